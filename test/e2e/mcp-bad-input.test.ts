// Bad input: every client mistake gets isError (or a JSON-RPC error) naming the field, the value and what is
// allowed; no operation is created, Veo is never called, and the server never answers 5xx.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { rawPost, startTestServer, type TestServer } from '../helpers/server.js';

const PNG = readFileSync(new URL('../fixtures/image-64x36.png', import.meta.url));
const textOf = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

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
      /Invalid model: "veo-9"\. Allowed models on the vertex backend: .*veo-3\.0-generate-001/,
    ],
    [
      'unsupported duration',
      { prompt: 'x', model: 'veo-3.0-generate-001', duration_seconds: 5 },
      /Invalid duration_seconds: 5\. .* allows 4, 6, 8 seconds/,
    ],
    [
      'unsupported resolution',
      { prompt: 'x', resolution: '4k' },
      /Invalid resolution: "4k"\. .* allows "720p", "1080p"/,
    ],
    [
      '1080p at the wrong duration on Veo 3.1',
      { prompt: 'x', model: 'veo-3.1-generate-preview', resolution: '1080p', duration_seconds: 4 },
      /Invalid duration_seconds: 4\. .*1080p only at 8 seconds/,
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
      /Invalid prompt: " {3}"\. A prompt is required unless an image is given/,
    ],
    [
      'prompt too long',
      { prompt: 'a'.repeat(4001) },
      /Invalid prompt: "4001 characters"\. At most 4000 characters/,
    ],
    [
      'audio on a model without audio',
      { prompt: 'x', model: 'veo-2.0-generate-001', generate_audio: true },
      /Invalid generate_audio: true\. veo-2\.0-generate-001 generates no audio/,
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
