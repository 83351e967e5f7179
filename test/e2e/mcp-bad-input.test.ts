// Bad input: every client mistake gets isError (or a JSON-RPC error) naming the field, the value and what is
// allowed; no operation is created, Veo is never called, and the server never answers 5xx.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { ResolvedAddress } from '../../functions/src/net/egress.js';
import { rawPost, startTestServer, type TestServer, textOf } from '../helpers/server.js';
import { countStoreReads } from '../helpers/store-reads.js';
import { OMNI_NOT_TAKEN } from '../helpers/omni-not-taken.js';

const PNG = readFileSync(new URL('../fixtures/image-64x36.png', import.meta.url));
const TLS_CERT = readFileSync(new URL('../fixtures/tls/test-only.crt', import.meta.url));
const TLS_KEY = readFileSync(new URL('../fixtures/tls/test-only.key', import.meta.url));

describe('bad input changes nothing and says what is allowed', () => {
  let server: TestServer;
  let client: Client;

  before(async () => {
    server = await startTestServer({ env: { MAX_IMAGE_BYTES: '2048', MAX_REQUEST_BYTES: '65536' } });
    client = await server.connect();
  });
  after(() => server.close());

  async function operationCount(): Promise<number> {
    const page = await server.runtime.operations.list({ principal: 'local', limit: 100 });
    return page.records.length;
  }

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'unknown model',
      { prompt: 'x', model: 'veo-9' },
      /Invalid model: "veo-9"\. Allowed models on the vertex backend: "veo-3\.1-fast-generate-001", "veo-3\.1-generate-001", "veo-3\.1-lite-generate-001", "gemini-omni-1\.2-flash", "gemini-omni-1\.1-flash-preview", "gemini-omni-flash-preview"\./,
    ],
    [
      'retired model (the old default)',
      { prompt: 'x', model: 'veo-3.0-fast-generate-001' },
      /Invalid model: "veo-3\.0-fast-generate-001"\. veo-3\.0-fast-generate-001 was retired on 2026-06-30 \(Google no longer serves it\); use veo-3\.1-fast-generate-001 instead\. Allowed: /,
    ],
    [
      'retired Veo 2 model',
      { prompt: 'x', model: 'veo-2.0-generate-001' },
      /veo-2\.0-generate-001 was retired on 2026-06-30 .*; use veo-3\.1-generate-001 instead/,
    ],
    [
      'retired preview model',
      { prompt: 'x', model: 'veo-3.1-generate-preview', resolution: '4k' },
      /veo-3\.1-generate-preview was retired on 2026-04-02 .*; use veo-3\.1-generate-001 instead/,
    ],
    [
      'unsupported duration',
      { prompt: 'x', model: 'veo-3.1-generate-001', duration_seconds: 5 },
      /Invalid duration_seconds: 5\. .* allows 4, 6, 8 seconds/,
    ],
    [
      'unsupported resolution',
      { prompt: 'x', resolution: '8k' },
      /Invalid resolution: "8k"\. veo-3\.1-fast-generate-001 on vertex allows "720p", "1080p", "4k"/,
    ],
    [
      '4K on Lite',
      { prompt: 'x', model: 'veo-3.1-lite-generate-001', resolution: '4k' },
      /Invalid resolution: "4k"\. veo-3\.1-lite-generate-001 on vertex allows "720p", "1080p"/,
    ],
    [
      'unsupported aspect ratio',
      { prompt: 'x', aspect_ratio: '4:3' },
      /Invalid aspect_ratio: "4:3"\. .* allows "16:9", "9:16"/,
    ],
    [
      'too many videos',
      { prompt: 'x', number_of_videos: 5 },
      /Invalid number_of_videos: 5\. .* allows 1 to 4/,
    ],
    [
      'empty prompt without an image',
      { prompt: '   ' },
      /Invalid prompt: " {3}"\. A prompt is required unless an image \(image-to-video\) or reference images are given\./,
    ],
    [
      'prompt too long',
      { prompt: 'a'.repeat(4001) },
      /Invalid prompt: "4001 characters"\. At most 4000 characters/,
    ],
    [
      'person generation value',
      { prompt: 'x', person_generation: 'everyone' },
      /Invalid person_generation: "everyone"\. .*"dont_allow", "allow_adult", "allow_all"/,
    ],
    [
      'image too large',
      { prompt: 'x', image: Buffer.alloc(4096, 1).toString('base64'), image_mime_type: 'image/png' },
      /Invalid image: "4096 bytes"\. Images may be at most 2048 bytes \(MAX_IMAGE_BYTES\)/,
    ],
    [
      'image that is not an image',
      { prompt: 'x', image: Buffer.from('hello, I am text').toString('base64') },
      /Invalid image: .*not a recognised image; allowed: image\/png, image\/jpeg, image\/webp/,
    ],
    [
      'image declared as another type',
      { prompt: 'x', image: PNG.toString('base64'), image_mime_type: 'image/jpeg' },
      /Invalid image_mime_type: "image\/jpeg"\. The image bytes are image\/png/,
    ],
    [
      'non-https image URL',
      { prompt: 'x', image: 'http://example.com/cat.png' },
      /Invalid image: "http:\/\/example\.com\/cat\.png"\. Only https:\/\/ and gs:\/\/ URLs are fetched/,
    ],
    [
      'image URL on a private address',
      { prompt: 'x', image: 'https://127.0.0.1:9/cat.png' },
      /Invalid image: .*It is not fetched: 127\.0\.0\.1 is a private, loopback, link-local \(metadata\)/,
    ],
    [
      'image that is neither URL nor base64',
      { prompt: 'x', image: 'not base64 at all!' },
      /Invalid image: .*not a URL and not valid base64/,
    ],
    [
      'bad image_mime_type',
      { prompt: 'x', image: PNG.toString('base64'), image_mime_type: 'image/gif' },
      /Invalid image_mime_type "image\/gif": allowed image\/png, image\/jpeg, image\/webp/,
    ],
    [
      'wait_seconds out of range',
      { prompt: 'x', wait_seconds: 9999 },
      /wait_seconds must be between 0 and 600/,
    ],
    [
      'malformed idempotency key',
      { prompt: 'x', idempotency_key: 'has spaces' },
      /idempotency_key may use letters, digits/,
    ],
    [
      'duration that is not a whole number',
      { prompt: 'x', duration_seconds: 4.5 },
      /duration_seconds must be a whole number/,
    ],
  ];

  for (const [name, args, message] of cases) {
    test(`generate_video rejects ${name}`, async () => {
      const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
      const result = (await client.callTool({ name: 'generate_video', arguments: args })) as CallToolResult;
      assert.equal(result.isError, true, `expected an error for ${name}`);
      assert.match(textOf(result), message);
      assert.equal(await operationCount(), before.ops, 'no operation was recorded');
      assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
    });
  }

  // The fields issue 13 added to generate_video, and what each family or model does not take (video/check.ts): each
  // refusal names the field, the value and what is allowed, and creates, reserves and submits nothing.
  const png = PNG.toString('base64');
  const modeCases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'a last frame without a first frame',
      { prompt: 'x', last_frame: png },
      /^INVALID_ARGUMENT: Invalid last_frame: a last frame needs a first frame: give image too \(first \+ last frame\)\.$/,
    ],
    [
      'a last frame on a model without last frames',
      { prompt: 'x', model: 'gemini-omni-flash-preview', image: png, last_frame: png },
      /^INVALID_ARGUMENT: Invalid last_frame: gemini-omni-flash-preview does not take a last frame\. Models that do: "veo-3\.1-fast-generate-001", "veo-3\.1-generate-001", "veo-3\.1-lite-generate-001", "gemini-omni-1\.2-flash", "gemini-omni-1\.1-flash-preview"\.$/,
    ],
    [
      'a last frame that is not an image',
      { prompt: 'x', image: png, last_frame: Buffer.from('hello, I am text').toString('base64') },
      /Invalid last_frame: .*not a recognised image; allowed: image\/png, image\/jpeg, image\/webp/,
    ],
    [
      'reference images on Lite',
      { prompt: 'x', model: 'veo-3.1-lite-generate-001', reference_images: [png] },
      /^INVALID_ARGUMENT: Invalid reference_images: "1 images"\. veo-3\.1-lite-generate-001 takes no reference images\. Models that do: "veo-3\.1-fast-generate-001", "veo-3\.1-generate-001", "gemini-omni-1\.2-flash", "gemini-omni-1\.1-flash-preview", "gemini-omni-flash-preview"\.$/,
    ],
    [
      'four reference images on Veo 3.1',
      { prompt: 'x', reference_images: [png, png, png, png] },
      /^INVALID_ARGUMENT: Invalid reference_images: "4 images"\. veo-3\.1-fast-generate-001 takes at most 3 reference images\.$/,
    ],
    [
      'seven reference images (more than any model takes)',
      { prompt: 'x', model: 'gemini-omni-1.2-flash', reference_images: Array(7).fill(png) },
      /reference_images may hold at most 6 images/,
    ],
    [
      'an empty reference image',
      { prompt: 'x', reference_images: [png, ' '] },
      /^INVALID_ARGUMENT: Invalid reference_images: an entry is empty\. Give each image as gs:\/\/, https:\/\/, a data: URL or base64\.$/,
    ],
    [
      'a reference image that is not an image',
      { prompt: 'x', reference_images: [png, Buffer.from('hello, I am text').toString('base64')] },
      /Invalid reference_images\[1\]: .*not a recognised image/,
    ],
    [
      'fps other than 24',
      { prompt: 'x', fps: 30 },
      /^INVALID_ARGUMENT: Invalid fps: 30\. veo-3\.1-fast-generate-001 renders 24 frames per second only\.$/,
    ],
    [
      'an unknown compression_quality',
      { prompt: 'x', compression_quality: 'best' },
      /^INVALID_ARGUMENT: Invalid compression_quality: "best"\. Allowed: "OPTIMIZED", "LOSSLESS"\.$/,
    ],
    [
      'resize_mode without an image',
      { prompt: 'x', resize_mode: 'crop' },
      /^INVALID_ARGUMENT: Invalid resize_mode: "crop"\. resize_mode says how the input image is fitted to the video; give image, or omit resize_mode\.$/,
    ],
    [
      'an unknown resize_mode',
      { prompt: 'x', image: png, resize_mode: 'stretch' },
      /^INVALID_ARGUMENT: Invalid resize_mode: "stretch"\. Allowed: "PAD", "CROP"\.$/,
    ],
    [
      '360p on Veo',
      { prompt: 'x', resolution: '360p' },
      /^INVALID_ARGUMENT: Invalid resolution: "360p"\. veo-3\.1-fast-generate-001 on vertex allows "720p", "1080p", "4k"\.$/,
    ],
    [
      'an Omni 1.2 duration above 15 s',
      { prompt: 'x', model: 'gemini-omni-1.2-flash', duration_seconds: 16 },
      /^INVALID_ARGUMENT: Invalid duration_seconds: 16\. gemini-omni-1\.2-flash on vertex allows 3 to 15 seconds\.$/,
    ],
    [
      'an Omni 1.1 duration above 10 s',
      { prompt: 'x', model: 'gemini-omni-1.1-flash-preview', duration_seconds: 12 },
      /^INVALID_ARGUMENT: Invalid duration_seconds: 12\. gemini-omni-1\.1-flash-preview on vertex allows 3 to 10 seconds\.$/,
    ],
    [
      "the Gemini API's Omni id on Vertex",
      { prompt: 'x', model: 'gemini-omni-1.1-flash' },
      /^INVALID_ARGUMENT: Invalid model: "gemini-omni-1\.1-flash"\. gemini-omni-1\.1-flash is not offered on the vertex backend\. Allowed: "veo-3\.1-fast-generate-001", .*"gemini-omni-1\.1-flash-preview", "gemini-omni-flash-preview"\.$/,
    ],
    ...OMNI_NOT_TAKEN.map(([field, value, why]): [string, Record<string, unknown>, RegExp] => [
      `${field} on Omni`,
      { prompt: 'x', model: 'gemini-omni-1.2-flash', image: png, [field]: value },
      new RegExp(
        `^INVALID_ARGUMENT: Invalid ${field}: ${JSON.stringify(value)}\\. The omni family \\(gemini-omni-1\\.2-flash\\) ` +
          `does not take ${field}: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Omit it\\.$`,
      ),
    ]),
  ];
  // What a call may have reserved: seconds started today and running operations (tool calls per minute count every
  // call, refused or not, so that limit is left out).
  const usage = async () =>
    JSON.stringify(
      (
        ((await client.callTool({ name: 'get_usage', arguments: {} })) as CallToolResult)
          .structuredContent as {
          limits: Array<Record<string, unknown>>;
        }
      ).limits.filter((l) => l['setting'] !== 'REQUESTS_PER_MINUTE_PER_PRINCIPAL'),
    );
  for (const [name, args, message] of modeCases) {
    test(`generate_video refuses ${name}, naming the field, the value and what is allowed; nothing is spent`, async () => {
      const before = {
        ops: await operationCount(),
        submits: server.simulator.stats.submits,
        usage: await usage(),
      };
      const result = (await client.callTool({ name: 'generate_video', arguments: args })) as CallToolResult;
      assert.equal(result.isError, true, `expected an error for ${name}`);
      assert.match(textOf(result), message);
      assert.equal(await operationCount(), before.ops, 'no operation was recorded');
      assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
      assert.equal(await usage(), before.usage, 'no seconds reserved, no running operation');
    });
  }

  // Strict inputs (video/input-rules.ts): one rule for every tool and for pipeline messages.
  const GENERATE_FIELDS =
    'prompt, model, image, image_mime_type, negative_prompt, aspect_ratio, duration_seconds, resolution, ' +
    'number_of_videos, person_generation, seed, generate_audio, enhance_prompt, last_frame, reference_images, fps, ' +
    'compression_quality, resize_mode, idempotency_key, wait_seconds';
  const strictCases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    [
      'generate_video',
      'a misspelt prompt',
      { promt: 'A kite' },
      new RegExp(`Unknown field "promt" in generate_video arguments\\. Allowed: ${GENERATE_FIELDS}\\.`),
    ],
    [
      'generate_video',
      'two unknown fields next to valid ones',
      { prompt: 'A kite', durationSeconds: 4, colour: 'red' },
      /Unknown fields "durationSeconds", "colour" in generate_video arguments\. Allowed: prompt, /,
    ],
    [
      'generate_video',
      'a pipeline-only field',
      { prompt: 'A kite', webhook_url: 'https://example.com/hook' },
      /Unknown field "webhook_url" in generate_video arguments/,
    ],
    [
      'get_video_operation',
      'an extra field',
      { operation_id: '01jz0000000000000000000000', principal: 'someone-else' },
      /Unknown field "principal" in get_video_operation arguments\. Allowed: operation_id\./,
    ],
    [
      'list_video_operations',
      'an unknown filter',
      { status: 'RUNNING', owner: 'alice' },
      /Unknown field "owner" in list_video_operations arguments\. Allowed: status, limit, cursor\./,
    ],
    [
      'list_video_models',
      'any field at all',
      { verbose: true },
      /Unknown field "verbose" in list_video_models arguments\. Allowed: \./,
    ],
    [
      'cancel_video_operation',
      'a field it does not take',
      { operation_id: '01m8qedc00wjrb0c25gzzq4csv', reason: 'changed my mind' },
      /Unknown field "reason" in cancel_video_operation arguments\. Allowed: operation_id\./,
    ],
    [
      'get_usage',
      'any field at all',
      { principal: 'someone-else' },
      /Unknown field "principal" in get_usage arguments\. Allowed: \./,
    ],
  ];
  for (const [tool, name, args, message] of strictCases) {
    test(`${tool} refuses ${name}, naming the field and the allowed ones`, async () => {
      const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
      const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
      assert.equal(result.isError, true, textOf(result));
      assert.match(textOf(result), message);
      assert.equal(await operationCount(), before.ops, 'no operation was recorded');
      assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
    });
  }

  test('a __proto__ key anywhere in the arguments is refused while parsing, creating nothing', async () => {
    const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
    const response = await rawPost(
      server.mcpUrl,
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"generate_video",' +
        '"arguments":{"prompt":"A kite","__proto__":{"admin":true}}}}',
    );
    assert.equal(response.status, 400);
    assert.match(
      (response.json as { error: { message: string } }).error.message,
      /Parse error: body is not valid JSON \(the key "__proto__" is not accepted\)/,
    );
    assert.equal(await operationCount(), before.ops, 'no operation was recorded');
    assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
  });

  const hiddenCharacters: Array<[string, string, string, RegExp]> = [
    [
      'prompt',
      'NUL',
      'A kite\u0000 over the sea',
      /Invalid prompt: character U\+0000 \(NUL\) at index 6 \(0-based\)/,
    ],
    [
      'prompt',
      'ESC (terminal escape)',
      'A kite \u001b[31mred',
      /Invalid prompt: character U\+001B \(ESCAPE\) at index 7/,
    ],
    ['prompt', 'a bell', 'ding\u0007', /Invalid prompt: character U\+0007 \(control character\) at index 4/],
    [
      'prompt',
      'carriage return',
      'line\r\nline',
      /Invalid prompt: character U\+000D \(CARRIAGE RETURN\) at index 4/,
    ],
    ['prompt', 'DEL', 'kite\u007f', /Invalid prompt: character U\+007F \(DELETE\) at index 4/],
    [
      'prompt',
      'a C1 control',
      'kite\u0085',
      /Invalid prompt: character U\+0085 \(control character\) at index 4/,
    ],
    [
      'prompt',
      'RIGHT-TO-LEFT OVERRIDE',
      'A kite \u202Eesrever',
      /Invalid prompt: character U\+202E \(RIGHT-TO-LEFT OVERRIDE\) at index 7/,
    ],
    [
      'prompt',
      'LEFT-TO-RIGHT EMBEDDING',
      '\u202AA kite',
      /Invalid prompt: character U\+202A \(LEFT-TO-RIGHT EMBEDDING\) at index 0/,
    ],
    [
      'prompt',
      'FIRST STRONG ISOLATE',
      'kite \u2068x',
      /character U\+2068 \(FIRST STRONG ISOLATE\) at index 5/,
    ],
    [
      'prompt',
      'POP DIRECTIONAL ISOLATE',
      'kite\u2069',
      /character U\+2069 \(POP DIRECTIONAL ISOLATE\) at index 4/,
    ],
    ['prompt', 'RIGHT-TO-LEFT MARK', 'kite\u200F', /character U\+200F \(RIGHT-TO-LEFT MARK\) at index 4/],
    ['prompt', 'LEFT-TO-RIGHT MARK', 'kite\u200E', /character U\+200E \(LEFT-TO-RIGHT MARK\) at index 4/],
    [
      'negative_prompt',
      'NUL',
      'no\u0000rain',
      /Invalid negative_prompt: character U\+0000 \(NUL\) at index 2 \(0-based\)/,
    ],
    [
      'negative_prompt',
      'RIGHT-TO-LEFT ISOLATE',
      'rain\u2067',
      /Invalid negative_prompt: character U\+2067 \(RIGHT-TO-LEFT ISOLATE\) at index 4/,
    ],
  ];
  for (const [field, name, text, message] of hiddenCharacters) {
    test(`generate_video refuses ${name} in ${field}, naming the position`, async () => {
      const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
      const args = field === 'prompt' ? { prompt: text } : { prompt: 'A kite', [field]: text };
      const result = (await client.callTool({ name: 'generate_video', arguments: args })) as CallToolResult;
      assert.equal(result.isError, true, textOf(result));
      assert.match(textOf(result), message);
      assert.match(textOf(result), /newline and tab.*are refused/);
      assert.equal(await operationCount(), before.ops, 'no operation was recorded');
      assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
    });
  }

  test('newlines, tabs and ordinary Unicode (including right-to-left scripts) are accepted in prompts', async () => {
    const result = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'A kite\n\tover Tel Aviv — מעל הים, فوق البحر 🪁', duration_seconds: 4 },
    })) as CallToolResult;
    assert.equal(result.isError, undefined, textOf(result));
  });

  // A malformed id names nothing: NOT_FOUND like any unknown id, before the store is read.
  for (const [name, id] of [
    ['a path', 'a/b'],
    ['a parent reference', '..'],
    ['a traversal', '../../operations/01jz0000000000000000000000'],
    ['an overlong id', '0'.repeat(5000)],
    ['a ULID in capitals', '01JZ0000000000000000000000'],
    ['a ULID with a forbidden letter', '01jz000000000000000000000u'],
    ['an empty id', ''],
    ['a Firestore reserved name', '__name__'],
  ] as const) {
    test(`get_video_operation of ${name} answers NOT_FOUND without reading the store`, async () => {
      const counter = countStoreReads(server.runtime.store);
      try {
        const result = (await client.callTool({
          name: 'get_video_operation',
          arguments: { operation_id: id },
        })) as CallToolResult;
        assert.equal(result.isError, true);
        assert.match(
          textOf(result),
          /^NOT_FOUND: Invalid operation_id: ".*" does not name one of your operations/,
        );
        assert.equal(counter.reads, 0, 'the store was not read');
      } finally {
        counter.restore();
      }
    });
  }

  // Cursors are decoded and checked (store/cursor.ts) before any query is sent, in both stores.
  for (const [cursor, message] of [
    ['../x', /Invalid cursor: "\.\.\/x"\. Pass the next_cursor value/],
    [Buffer.from('a/b').toString('base64url'), /Invalid cursor: "YS9i"\. Pass the next_cursor value/],
    ['x'.repeat(201), /cursor.*(Too big|<=200)/is],
  ] as const) {
    test(`list_video_operations refuses the cursor ${cursor.slice(0, 20)}`, async () => {
      const result = (await client.callTool({
        name: 'list_video_operations',
        arguments: { cursor },
      })) as CallToolResult;
      assert.equal(result.isError, true);
      assert.match(textOf(result), message);
    });
  }

  describe('image URLs go through the egress rules', () => {
    let images: Server;
    let port: number;
    const table: Record<string, string[]> = {};
    before(async () => {
      images = createServer({ key: TLS_KEY, cert: TLS_CERT }, (req, res) => {
        if (req.url === '/redirect-to-metadata') {
          res.writeHead(302, { location: 'https://metadata.google.internal/computeMetadata/v1/' }).end();
        } else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
      });
      await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
      port = (images.address() as AddressInfo).port;
      Object.assign(server.runtime.egress, {
        ca: TLS_CERT,
        testHosts: [`images.test:${port}`],
        resolve: async (host: string): Promise<ResolvedAddress[]> => {
          const found = table[host];
          if (!found) throw new Error(`ENOTFOUND ${host}`);
          return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
        },
      });
      table['images.test'] = ['127.0.0.1'];
      table['rebinding.example.com'] = ['93.184.215.14', '10.0.0.7'];
      table['private.example.com'] = ['192.168.4.4'];
    });
    after(() => {
      images.closeAllConnections();
      images.close();
    });

    const ssrf: Array<[string, () => string, RegExp]> = [
      [
        'the metadata server by address',
        () => 'https://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token',
        /It is not fetched: 169\.254\.169\.254 is a private, loopback, link-local \(metadata\)/,
      ],
      [
        'the metadata server by name',
        () => 'https://metadata.google.internal/computeMetadata/v1/',
        /It is not fetched: the host metadata\.google\.internal names a local or platform-internal service/,
      ],
      [
        'the metadata server in NAT64 form',
        () => 'https://[64:ff9b::a9fe:a9fe]/x.png',
        /is the NAT64 form of 169\.254\.169\.254/,
      ],
      ['IPv6 loopback', () => 'https://[::1]/x.png', /::1 is an IPv6 loopback/],
      [
        'a name resolving to a private address',
        () => 'https://private.example.com/x.png',
        /private\.example\.com resolves to 192\.168\.4\.4, which is a private/,
      ],
      [
        'a name answering public first and private second',
        () => 'https://rebinding.example.com/x.png',
        /rebinding\.example\.com resolves to 10\.0\.0\.7/,
      ],
      [
        'a public image host that redirects to the metadata server',
        () => `https://images.test:${port}/redirect-to-metadata`,
        /metadata\.google\.internal names a local or platform-internal service/,
      ],
    ];
    for (const [name, url, message] of ssrf) {
      test(`generate_video refuses an image on ${name}, creating nothing`, async () => {
        const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
        const result = (await client.callTool({
          name: 'generate_video',
          arguments: { prompt: 'x', image: url() },
        })) as CallToolResult;
        assert.equal(result.isError, true, textOf(result));
        assert.match(textOf(result), /^INVALID_ARGUMENT: Invalid image: "https:/);
        assert.match(textOf(result), message);
        assert.equal(await operationCount(), before.ops, 'no operation was recorded');
        assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
      });
    }

    test('an https image is fetched from the checked address and its bytes sniffed', async () => {
      const result = (await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'x', image: `https://images.test:${port}/kite.png`, duration_seconds: 4 },
      })) as CallToolResult;
      assert.equal(result.isError, undefined, textOf(result));
      const record = await server.runtime.operations.get(
        'local',
        (result.structuredContent as { operation_id: string }).operation_id,
      );
      assert.equal(record.request.image?.mimeType, 'image/png', 'sniffed, though served as octet-stream');
      assert.equal(record.request.image?.source, 'https');
    });
  });

  test('a valid image-to-video request without a prompt is accepted', async () => {
    const result = (await client.callTool({
      name: 'generate_video',
      arguments: { image: `data:image/png;base64,${PNG.toString('base64')}`, duration_seconds: 4 },
    })) as CallToolResult;
    assert.equal(result.isError, undefined, textOf(result));
  });

  test('the same idempotency key with different arguments is an error naming the first operation', async () => {
    const first = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'A red kite', duration_seconds: 4, idempotency_key: 'kite-1' },
    })) as CallToolResult;
    const id = (first.structuredContent as { operation_id: string }).operation_id;
    const submits = server.simulator.stats.submits;
    const again = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'A red kite', duration_seconds: 4, idempotency_key: 'kite-1' },
    })) as CallToolResult;
    assert.equal((again.structuredContent as { operation_id: string }).operation_id, id);
    assert.equal((again.structuredContent as { idempotent_replay: boolean }).idempotent_replay, true);
    const different = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'A blue kite', duration_seconds: 4, idempotency_key: 'kite-1' },
    })) as CallToolResult;
    assert.equal(different.isError, true);
    assert.match(
      textOf(different),
      new RegExp(
        `ALREADY_EXISTS: Invalid idempotency_key: "kite-1" was already used for operation ${id} with different arguments`,
      ),
    );
    assert.equal(server.simulator.stats.submits, submits, 'neither repeat reached Veo');
  });

  test('get_video_operation of an unknown id says so', async () => {
    const result = (await client.callTool({
      name: 'get_video_operation',
      arguments: { operation_id: 'nope' },
    })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(
      textOf(result),
      /NOT_FOUND: Invalid operation_id: "nope" does not name one of your operations/,
    );
  });

  test('list_video_operations rejects an unknown status and a forged cursor', async () => {
    const status = (await client.callTool({
      name: 'list_video_operations',
      arguments: { status: 'DONE' },
    })) as CallToolResult;
    assert.equal(status.isError, true);
    assert.match(textOf(status), /Invalid status "DONE": allowed QUEUED, RUNNING, SUCCEEDED/);
    const cursor = (await client.callTool({
      name: 'list_video_operations',
      arguments: { cursor: 'abc' },
    })) as CallToolResult;
    assert.equal(cursor.isError, true);
    assert.match(textOf(cursor), /Invalid cursor: "abc"/);
  });

  test('an unknown tool is a JSON-RPC invalid-params error naming it, and starts nothing', async () => {
    const before = await operationCount();
    await assert.rejects(
      client.callTool({ name: 'make_movie', arguments: {} }),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, -32602);
        assert.match(err.message, /Tool make_movie not found/);
        return true;
      },
    );
    assert.equal(await operationCount(), before);
  });

  test('malformed JSON gets a JSON-RPC parse error, not a 5xx', async () => {
    const response = await rawPost(server.mcpUrl, '{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(response.status, 400);
    assert.equal((response.json as { error: { code: number } }).error.code, -32700);
  });

  test('a body that is JSON but not JSON-RPC gets a JSON-RPC error', async () => {
    const response = await rawPost(server.mcpUrl, '{"hello": "world"}');
    assert.equal(response.status, 400);
    assert.ok((response.json as { error: { code: number } }).error.code < 0);
  });

  test('an oversize body is refused with 413', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'generate_video', arguments: { prompt: 'x'.repeat(70_000) } },
    });
    const response = await rawPost(server.mcpUrl, body);
    assert.equal(response.status, 413);
    assert.match(
      (response.json as { error: { message: string } }).error.message,
      /exceeds the 65536-byte limit \(MAX_REQUEST_BYTES\)/,
    );
  });

  test('GET and DELETE on the endpoint answer 405 (stateless: no streams, no sessions)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(server.mcpUrl, { method });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'POST');
    }
  });

  test('a request from a foreign Origin is refused with 403', async () => {
    const response = await rawPost(
      server.mcpUrl,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      { origin: 'https://evil.example' },
    );
    assert.equal(response.status, 403);
    assert.match(
      (response.json as { error: { message: string } }).error.message,
      /Origin https:\/\/evil\.example is not allowed/,
    );
  });

  // Messages other than tools/call are answered in one piece (mcp/protocol.ts), in both eras: the SDK's transport
  // checks still apply there.
  const MODERN_META = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const transportCases: Array<[string, string, Record<string, string>, number, RegExp]> = [
    [
      '2025: a client that cannot take SSE',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      { accept: 'application/json', 'mcp-protocol-version': '2025-06-18' },
      406,
      /Client must accept both application\/json and text\/event-stream/,
    ],
    [
      '2025: an unknown protocol version header',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      { 'mcp-protocol-version': '1999-01-01' },
      400,
      /Unsupported protocol version: 1999-01-01 \(supported versions: .*2025-06-18/,
    ],
    [
      '2025: a text/plain body',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      { 'content-type': 'text/plain', 'mcp-protocol-version': '2025-06-18' },
      415,
      /Content-Type must be application\/json/,
    ],
    [
      '2026-07-28: an Mcp-Method header that differs from the body',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }),
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' },
      400,
      /Mcp-Method/i,
    ],
  ];
  for (const [name, body, headers, status, message] of transportCases) {
    test(`transport check, ${name}: ${status} with the reason`, async () => {
      const response = await rawPost(server.mcpUrl, body, headers);
      assert.equal(response.status, status, JSON.stringify(response.json));
      assert.match((response.json as { error: { message: string } }).error.message, message);
    });
  }

  test('an unknown path is 404 naming the endpoint', async () => {
    const response = await rawPost(`${server.url}/other`, '{}');
    assert.equal(response.status, 404);
  });
});
