// Hostile requests at the HTTP edge of the mcp function, served by the real functions-framework: compression bombs
// and oversize bodies, malformed JSON-RPC, foreign Host and Origin, CORS preflight. Each refusal is a precise 4xx
// JSON answer carrying the security headers, and nothing is created (no record, no Veo submit). (That a real
// functions-framework process with a 384 MB heap survives a 1 GB gzip bomb is processes.test.ts's, on the process
// it shares with its other functions-framework tests.)
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, constants, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { CORS_ALLOWED_HEADERS } from '../../functions/src/mcp/http.js';
import { assertHardenedHeaders, gzipBomb, MiB, send, type Answer } from '../helpers/hostile-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CAP = 65536;

const rpc = (method: string, params?: unknown, id: unknown = 1): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const GENERATE = rpc('tools/call', {
  name: 'generate_video',
  arguments: { prompt: 'a kite', duration_seconds: 4 },
});

describe('the HTTP edge refuses hostile requests and creates nothing', () => {
  let server: TestServer;
  let port: string;

  before(async () => {
    server = await startTestServer({ env: { MAX_REQUEST_BYTES: String(CAP) } });
    port = new URL(server.url).port;
  });
  after(() => server.close());

  async function nothingCreated<T>(fn: () => Promise<T>): Promise<T> {
    const before = {
      ops: (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length,
      submits: server.simulator.stats.submits,
    };
    const result = await fn();
    const after = (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length;
    assert.equal(after, before.ops, 'no operation was recorded');
    assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
    return result;
  }

  /** A refusal: the status, a JSON-RPC error whose message matches, the security headers, and nothing created. */
  async function refused(
    what: string,
    options: Parameters<typeof send>[1],
    status: number,
    message: RegExp,
    code?: number,
  ): Promise<Answer> {
    const answer = await nothingCreated(() => send(server.mcpUrl, options));
    assert.equal(answer.status, status, `${what}: ${answer.text.slice(0, 300)}`);
    assert.equal((answer.json as { jsonrpc?: string } | undefined)?.jsonrpc, '2.0', `${what} is JSON-RPC`);
    assert.match(answer.json?.error?.message ?? '', message, what);
    if (code !== undefined) assert.equal(answer.json?.error?.code, code, what);
    assertHardenedHeaders(answer, what);
    return answer;
  }

  describe('compressed and oversize bodies', () => {
    const generate = Buffer.from(GENERATE);

    test('the bombs are well-formed gzip: one inflates, CRC and length checked, to its size in zeros', () => {
      const bomb = gzipBomb(8 * MiB);
      assert.ok(bomb.length < 9 * 1024, `8 MiB in ${bomb.length} bytes`);
      assert.deepEqual(gunzipSync(bomb), Buffer.alloc(8 * MiB));
    });
    const cases: Array<[string, () => Promise<Parameters<typeof send>[1]>, number, RegExp]> = [
      [
        'a gzip bomb (8 MB of zeros in 8 KB)',
        async () => ({ headers: { 'content-encoding': 'gzip' }, body: gzipBomb(8 * 1024 * 1024) }),
        413,
        /inflates past the 65536-byte limit \(MAX_REQUEST_BYTES\); the limit applies to the decoded body/,
      ],
      [
        'a deflate bomb',
        async () => ({
          headers: { 'content-encoding': 'deflate' },
          body: deflateSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 }),
        }),
        413,
        /inflates past the 65536-byte limit/,
      ],
      [
        'a brotli bomb',
        async () => ({
          headers: { 'content-encoding': 'br' },
          body: brotliCompressSync(Buffer.alloc(8 * 1024 * 1024), {
            params: { [constants.BROTLI_PARAM_QUALITY]: 4 },
          }),
        }),
        413,
        /inflates past the 65536-byte limit/,
      ],
      [
        'a gzip bomb with its encoding in capitals',
        async () => ({ headers: { 'content-encoding': 'GZIP' }, body: gzipBomb(1024 * 1024) }),
        413,
        /inflates past/,
      ],
      [
        'a nested bomb (gzip inside gzip)',
        async () => ({
          headers: { 'content-encoding': 'gzip, gzip' },
          body: gzipSync(gzipBomb(8 * 1024 * 1024)),
        }),
        415,
        /Content-Encoding "gzip, gzip" stacks 2 encodings; send the body uncompressed or with one of gzip, deflate, br/,
      ],
      [
        'a gzip bomb declared as deflate',
        async () => ({ headers: { 'content-encoding': 'deflate' }, body: gzipBomb(1024 * 1024) }),
        400,
        /the body is not valid deflate data as its Content-Encoding says/,
      ],
      [
        'plain JSON declared as gzip',
        async () => ({ headers: { 'content-encoding': 'gzip' }, body: generate }),
        400,
        /the body is not valid gzip data as its Content-Encoding says/,
      ],
      [
        'gzip declared as br',
        async () => ({ headers: { 'content-encoding': 'br' }, body: gzipSync(generate) }),
        400,
        /not valid br data/,
      ],
      [
        'an unknown encoding',
        async () => ({ headers: { 'content-encoding': 'compress' }, body: generate }),
        415,
        /Content-Encoding "compress" is not supported/,
      ],
      [
        'zstd (body-parser would inflate it; we do not)',
        async () => ({ headers: { 'content-encoding': 'zstd' }, body: generate }),
        415,
        /Content-Encoding "zstd" is not supported/,
      ],
      [
        'a declared length over the cap',
        async () => ({ headers: { 'content-length': 10_000_000 }, body: generate }),
        413,
        /Request body of 10000000 bytes exceeds the 65536-byte limit \(MAX_REQUEST_BYTES\)/,
      ],
      [
        'a chunked body growing past the cap',
        async () => ({ body: Array.from({ length: 40 }, () => Buffer.alloc(2048, 0x20)) }),
        413,
        /Request body exceeds the 65536-byte limit \(MAX_REQUEST_BYTES\)/,
      ],
      [
        'a body in another charset',
        async () => ({ headers: { 'content-type': 'application/json; charset=latin1' }, body: generate }),
        415,
        /Charset "latin1" is not supported; MCP messages are UTF-8 JSON/,
      ],
      [
        'a body in UTF-16',
        async () => ({
          headers: { 'content-type': 'application/json; charset="utf-16le"' },
          body: Buffer.from(GENERATE, 'utf16le'),
        }),
        415,
        /Charset "utf-16le" is not supported/,
      ],
    ];
    for (const [name, options, status, message] of cases) {
      test(`${name} is refused with ${status}`, async () => {
        await refused(name, await options(), status, message);
      });
    }

    test('a truncated gzip body is a parse error, not a hang or a 5xx', async () => {
      const whole = gzipSync(GENERATE);
      await refused(
        'a truncated gzip body',
        { headers: { 'content-encoding': 'gzip' }, body: whole.subarray(0, whole.length - 12) },
        400,
        /Parse error: body is not valid JSON/,
        -32700,
      );
    });

    test('a client that hangs up mid-upload leaves the server serving and nothing created', async () => {
      await nothingCreated(
        () =>
          new Promise<void>((resolve) => {
            const req = request({
              host: '127.0.0.1',
              port,
              path: '/mcp',
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-length': 4096 },
            });
            req.on('error', () => resolve());
            req.write(GENERATE.slice(0, 50));
            setImmediate(() => req.destroy());
            req.on('close', () => resolve());
          }),
      );
      const answer = await send(server.mcpUrl, { body: rpc('tools/list') });
      assert.equal(answer.status, 200);
    });

    test('a gzip body within the cap is inflated and served', async () => {
      const answer = await send(server.mcpUrl, {
        headers: { 'content-encoding': 'gzip' },
        body: gzipSync(rpc('tools/list')),
      });
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /generate_video/);
      assertHardenedHeaders(answer, 'a gzip tools/list');
    });

    test('a body exactly at the cap is read (the cap is inclusive)', async () => {
      const padded = rpc('tools/list', { _pad: '' });
      const body = padded.replace('"_pad":""', `"_pad":"${'x'.repeat(CAP - padded.length)}"`);
      assert.equal(Buffer.byteLength(body), CAP);
      const answer = await send(server.mcpUrl, { body });
      assert.notEqual(answer.status, 413, answer.text);
    });
  });

  describe('malformed JSON-RPC', () => {
    const INVALID_REQUEST = -32600;
    const INVALID_PARAMS = -32602;
    const cases: Array<[string, string, number, RegExp, number]> = [
      [
        'a batch of 11 generate_video calls',
        JSON.stringify(
          Array.from({ length: 11 }, (_, i) => JSON.parse(GENERATE.replace('"id":1', `"id":${i}`))),
        ),
        400,
        /A JSON-RPC batch of 11 messages exceeds the limit of 10/,
        INVALID_REQUEST,
      ],
      ['an empty batch', '[]', 400, /empty JSON-RPC batch/, INVALID_REQUEST],
      [
        'a 300-character string id',
        GENERATE.replace('"id":1', `"id":"${'i'.repeat(300)}"`),
        400,
        /The JSON-RPC id is 300 characters; at most 256/,
        INVALID_REQUEST,
      ],
      [
        'a fractional id',
        GENERATE.replace('"id":1', '"id":1.5'),
        400,
        /id 1\.5 is not an integer/,
        INVALID_REQUEST,
      ],
      [
        'a huge numeric id',
        GENERATE.replace('"id":1', '"id":1e300'),
        400,
        /is not an integer/,
        INVALID_REQUEST,
      ],
      [
        'an object id',
        GENERATE.replace('"id":1', '"id":{"a":1}'),
        400,
        /not a valid JSON-RPC message/,
        INVALID_REQUEST,
      ],
      [
        'jsonrpc "1.0"',
        GENERATE.replace('"2.0"', '"1.0"'),
        400,
        /not a valid JSON-RPC message/,
        INVALID_REQUEST,
      ],
      [
        'no method',
        JSON.stringify({ jsonrpc: '2.0', id: 1, params: {} }),
        400,
        /not a valid JSON-RPC message/,
        INVALID_REQUEST,
      ],
      [
        'params that are a string',
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: 'generate_video' }),
        400,
        /not a valid JSON-RPC message/,
        INVALID_REQUEST,
      ],
      ['a bare number', '42', 400, /not a valid JSON-RPC message/, INVALID_REQUEST],
      ['truncated JSON', GENERATE.slice(0, 40), 400, /Parse error: body is not valid JSON/, -32700],
      [
        'string arguments',
        rpc('tools/call', { name: 'generate_video', arguments: 'a kite' }),
        400,
        /tools\/call arguments must be a JSON object of named arguments, not a string/,
        INVALID_PARAMS,
      ],
      [
        'array arguments',
        rpc('tools/call', { name: 'generate_video', arguments: ['a kite'] }),
        400,
        /must be a JSON object of named arguments, not an array/,
        INVALID_PARAMS,
      ],
      [
        'null arguments',
        rpc('tools/call', { name: 'generate_video', arguments: null }),
        400,
        /must be a JSON object of named arguments, not null/,
        INVALID_PARAMS,
      ],
      [
        'numeric arguments',
        rpc('tools/call', { name: 'list_video_models', arguments: 7 }),
        400,
        /must be a JSON object of named arguments, not a number/,
        INVALID_PARAMS,
      ],
      [
        'a batch hiding array arguments',
        JSON.stringify([
          JSON.parse(rpc('ping')),
          JSON.parse(rpc('tools/call', { name: 'generate_video', arguments: [] }, 2)),
        ]),
        400,
        /not an array/,
        INVALID_PARAMS,
      ],
    ];
    for (const [name, body, status, message, code] of cases) {
      test(`${name} is refused with ${status} (${code})`, async () => {
        await refused(name, { body }, status, message, code);
      });
    }
    test('non-object arguments echo the request id and dump no validator output', async () => {
      const answer = await refused(
        'string arguments',
        { body: rpc('tools/call', { name: 'generate_video', arguments: 'x' }, 'req-7') },
        400,
        /not a string/,
      );
      assert.equal(answer.json?.id, 'req-7');
      assert.doesNotMatch(answer.text, /invalid_type|expected record/);
    });
  });

  describe('Host and Origin (DNS-rebinding protection)', () => {
    for (const host of [
      'evil.example',
      `evil.example:${0}`,
      '127.0.0.1.evil.example',
      'localhost.attacker.test:80',
    ]) {
      test(`Host ${host} is refused with 403`, async () => {
        await refused(
          `Host ${host}`,
          { headers: { host }, body: GENERATE },
          403,
          new RegExp(
            `^Invalid Host: ${host.split(':')[0]!.replace(/\./g, '\\.')}\\. This local server answers Host localhost, 127\\.0\\.0\\.1, \\[::1\\] \\(set PUBLIC_BASE_URL`,
          ),
        );
      });
    }
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      test(`Host ${host} is served`, async () => {
        const answer = await send(server.mcpUrl, {
          headers: { host: `${host}:${port}` },
          body: rpc('tools/list'),
        });
        assert.equal(answer.status, 200, answer.text);
      });
    }
    for (const origin of [
      'https://evil.example',
      'null',
      'http://localhost.evil.example',
      'http://127.0.0.1.nip.io',
    ]) {
      test(`Origin ${origin} is refused with 403`, async () => {
        const answer = await refused(
          `Origin ${origin}`,
          { headers: { origin }, body: GENERATE },
          403,
          new RegExp(`Origin ${origin.replace(/\./g, '\\.')} is not allowed\\. Add it to ALLOWED_ORIGINS`),
        );
        assert.equal(answer.headers['access-control-allow-origin'], undefined);
      });
    }
    test('a preflight from a foreign Origin is refused and allows nothing', async () => {
      const answer = await send(server.mcpUrl, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(answer.status, 403);
      assert.equal(answer.headers['access-control-allow-origin'], undefined);
      assert.equal(answer.headers['access-control-allow-headers'], undefined);
      assertHardenedHeaders(answer, 'a refused preflight');
    });
    test('a preflight from an allowed Origin lists exactly the headers we read', async () => {
      const answer = await send(server.mcpUrl, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:6274',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-api-key, mcp-method',
        },
      });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers['access-control-allow-origin'], 'http://localhost:6274');
      assert.equal(answer.headers['access-control-allow-methods'], 'POST');
      assert.deepEqual(answer.headers['access-control-allow-headers']!.split(', ').sort(), [
        'Authorization',
        'Content-Type',
        'Mcp-Method',
        'Mcp-Name',
        'Mcp-Protocol-Version',
        'X-API-Key',
        'X-Serverless-Authorization',
      ]);
      assert.equal(answer.headers['access-control-allow-headers'], CORS_ALLOWED_HEADERS);
      assert.equal(answer.headers['vary'], 'Origin');
      assertHardenedHeaders(answer, 'a preflight');
    });
  });

  test('a streamed answer leaves the connection to the client: Connection: close is honoured, keep-alive is kept', async () => {
    // The SDK names keep-alive on its SSE answers; passed on, it kept the socket a client asked to close open for the
    // server's keep-alive timeout (a minute per answer).
    const listTools = rpc('tools/list', {});
    for (const [asked, expected] of [
      ['close', 'close'],
      ['keep-alive', 'keep-alive'],
    ] as const) {
      const answer = await send(server.mcpUrl, { headers: { connection: asked }, body: GENERATE });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers['content-type'], 'text/event-stream', 'a tools/call answer is a stream');
      assert.equal(answer.headers['connection'], expected, `Connection: ${asked}`);
    }
    const plain = await send(server.mcpUrl, { headers: { connection: 'close' }, body: listTools });
    assert.equal(plain.headers['connection'], 'close', 'and for a one-piece JSON answer');
  });

  test('a request target that is not a path is refused with 400 saying so, and nothing is created', async () => {
    for (const target of [
      `http://127.0.0.1:${port}/mcp`,
      `HTTP://user:pass@127.0.0.1:${port}/mcp`,
      // WHATWG URL takes these, but Express's parser (parseurl, url.parse) does not: they skipped every handler and
      // got Express's HTML 404 page.
      `http://user%@127.0.0.1:${port}/mcp`,
      'a://x/mcp',
    ]) {
      const answer = await nothingCreated(() => send(server.url, { path: target, body: GENERATE }));
      assert.equal(answer.status, 400, answer.text.slice(0, 300));
      assert.equal(answer.json?.error?.code, -32600);
      assert.equal(
        answer.json?.error?.message,
        'The request target must be a path such as /mcp, not an absolute URL or *.',
      );
      assert.ok(!answer.text.includes('pass'), 'the credentials are not echoed');
    }
  });

  describe('security headers on every answer', () => {
    const answers: Array<[string, () => Promise<Answer>, number]> = [
      ['a tools/list answer', () => send(server.mcpUrl, { body: rpc('tools/list') }), 200],
      ['a parse error', () => send(server.mcpUrl, { body: '{' }), 400],
      ['an unknown path', () => send(`${server.url}/admin`, { body: '{}' }), 404],
      ['GET on the endpoint', () => send(server.mcpUrl, { method: 'GET' }), 405],
      ['PUT on the endpoint', () => send(server.mcpUrl, { method: 'PUT', body: '{}' }), 405],
      ['the health check', () => send(`${server.url}/healthz`, { method: 'GET' }), 200],
      [
        'a CloudEvent posted to the endpoint (its body read under the cap like any other)',
        () => send(server.mcpUrl, { headers: { 'ce-specversion': '1.0' }, body: '{}' }),
        400,
      ],
      [
        'a blob link with a bad signature',
        () =>
          send(server.url, { method: 'GET', path: '/blobs/videos/x/0.mp4?expires=9999999999&signature=00' }),
        403,
      ],
      [
        'a blob link that climbs out of the blob folder',
        () =>
          send(server.url, {
            method: 'GET',
            path: '/blobs/..%2F..%2F..%2Fetc%2Fpasswd?expires=9999999999&signature=00',
          }),
        403,
      ],
      [
        'a blob link that is not a valid path',
        () => send(server.url, { method: 'GET', path: '/blobs/%E0%A4%A' }),
        400,
      ],
      ['the framework’s own favicon 404', () => send(`${server.url}/favicon.ico`, { method: 'GET' }), 404],
      // A target no route of the framework matches reached Express's own 404 page (text/html).
      ['the target *', () => send(server.url, { path: '*', body: GENERATE }), 404],
      // HTTP/1.1 lets a client send the request target in absolute form; it reached our URL parsing and the SDK's
      // as `http://host/mcp` and crashed the request (500, text/html, X-Google-Status: crash).
      [
        'a request target in absolute form',
        () => send(server.url, { path: `http://127.0.0.1:${port}/mcp`, body: GENERATE }),
        400,
      ],
      [
        'a request target in absolute form with credentials',
        () => send(server.url, { path: `http://user:pass@127.0.0.1:${port}/mcp`, body: GENERATE }),
        400,
      ],
      // A target Express cannot parse at all skipped every handler and got its HTML 404 page.
      [
        'a request target nothing can parse',
        () => send(server.url, { path: 'http://[', body: GENERATE }),
        400,
      ],
      [
        'a request target only WHATWG URL can parse',
        () => send(server.url, { path: 'http://a%@b/mcp', body: GENERATE }),
        400,
      ],
    ];
    for (const [name, answer, status] of answers) {
      test(`${name} (${status}) carries nosniff, no-store and a CSP, and is not HTML`, async () => {
        const got = await nothingCreated(answer);
        assert.equal(got.status, status, got.text.slice(0, 300));
        assertHardenedHeaders(got, name);
        assert.equal(got.headers['cache-control'], 'no-store');
        if (got.text !== '')
          assert.ok(got.json !== undefined, `${name} answers JSON: ${got.text.slice(0, 200)}`);
      });
    }
  });
});

describe('event-function servers keep their parsers but refuse compressed and malformed deliveries as JSON', () => {
  let url: string;
  let close: () => void;
  const received: unknown[] = [];
  before(async () => {
    cloudEvent('guard-events-test', async (event: CloudEvent<unknown>) => {
      received.push(event.data);
    });
    const server = getTestServer('guard-events-test');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });
  after(() => close());
  const push = JSON.stringify({
    message: { data: Buffer.from('{}').toString('base64'), messageId: '1' },
    subscription: 'projects/p/subscriptions/s',
  });

  test('a plain Pub/Sub push is parsed and handled as before', async () => {
    const answer = await send(url, { body: push });
    assert.ok(answer.status < 300, answer.text);
    assert.equal(received.length, 1);
    assertHardenedHeaders(answer, 'an event delivery');
  });
  test('a gzip delivery is refused with 415 unread, and the function does not run', async () => {
    const answer = await send(url, {
      headers: { 'content-encoding': 'gzip' },
      body: gzipBomb(64 * 1024 * 1024),
    });
    assert.equal(answer.status, 415);
    assert.match(
      answer.json?.error?.message ?? '',
      /Content-Encoding "gzip" is not accepted on CloudEvent deliveries/,
    );
    assert.equal(received.length, 1);
    assertHardenedHeaders(answer, 'a refused event delivery');
  });
  test('a malformed delivery is a JSON parse error, not an HTML page', async () => {
    const answer = await send(url, { body: '{"message":' });
    assert.equal(answer.status, 400);
    assert.match(answer.json?.error?.message ?? '', /Parse error: the body is not valid JSON/);
    assertHardenedHeaders(answer, 'a malformed event delivery');
  });
});
