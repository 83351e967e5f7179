// One URL, every protocol revision: raw 2026-07-28 HTTP exactly as the spec writes it (no SDK), the old v1 SDK
// client (2025 initialize handshake), and the front checks both eras share (Host, CORS, methods).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { OUR_TOOLS, startTestServer, type TestServer } from '../helpers/server.js';

const MODERN = '2026-07-28';
const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-http', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface RpcAnswer {
  status: number;
  headers: Headers;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string }; id?: unknown };
}

describe('protocol revisions on one URL', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /**
   * A 2026-07-28 request: Mcp-Method/Mcp-Name headers and the per-request _meta envelope, no session, no handshake.
   * `version` replaces the revision in both the header and the envelope; `envelope: false` leaves the envelope out.
   */
  async function modern(
    method: string,
    params: Record<string, unknown> = {},
    options: { headers?: Record<string, string>; version?: string; envelope?: boolean } = {},
  ): Promise<RpcAnswer> {
    const version = options.version ?? MODERN;
    const name = typeof params['name'] === 'string' ? { 'mcp-name': params['name'] } : {};
    const meta = { ...envelope, 'io.modelcontextprotocol/protocolVersion': version };
    const response = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': version,
        'mcp-method': method,
        ...name,
        ...options.headers,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method,
        params: options.envelope === false ? params : { ...params, _meta: meta },
      }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as RpcAnswer['body'],
    };
  }

  test('server/discover answers the revisions, exactly the implemented capabilities and a cache hint', async () => {
    const { status, body } = await modern('server/discover');
    assert.equal(status, 200);
    assert.equal(body.id, 7);
    const result = body.result!;
    assert.deepEqual(result['supportedVersions'], [MODERN]);
    assert.deepEqual(result['capabilities'], {
      tools: { listChanged: false },
      resources: { listChanged: false },
      extensions: { 'io.modelcontextprotocol/tasks': {} },
    });
    assert.equal(result['ttlMs'], 300_000);
    assert.equal(result['cacheScope'], 'public');
    assert.match(String(result['instructions']), /idempotency_key/);
    const meta = result['_meta'] as Record<string, { name: string }>;
    assert.equal(meta['io.modelcontextprotocol/serverInfo']!.name, 'veo-mcp-cloud');
  });

  test('tools/list and tools/call work statelessly, without initialize or a session', async () => {
    const list = await modern('tools/list');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('mcp-session-id'), null);
    const tools = list.body.result!['tools'] as Array<{ name: string }>;
    assert.deepEqual(tools.map((t) => t.name).sort(), OUR_TOOLS);
    assert.equal(list.body.result!['ttlMs'], 300_000);

    const call = await modern('tools/call', { name: 'list_video_models', arguments: {} });
    assert.equal(call.status, 200);
    const structured = call.body.result!['structuredContent'] as { api: string };
    assert.equal(structured.api, 'vertex');
  });

  test('an Mcp-Name header that disagrees with the body is refused before any tool runs', async () => {
    const before = await server.runtime.operations.list({ principal: 'local', limit: 100 });
    const answer = await modern(
      'tools/call',
      { name: 'generate_video', arguments: { prompt: 'a mismatch' } },
      { headers: { 'mcp-name': 'list_video_models' } },
    );
    assert.ok(answer.status >= 400 && answer.status < 500, `status ${answer.status}`);
    assert.ok(answer.body.error, JSON.stringify(answer.body));
    const after = await server.runtime.operations.list({ principal: 'local', limit: 100 });
    assert.equal(after.records.length, before.records.length, 'nothing was started');
  });

  test('a 2026-07-28 header without the _meta envelope is a client error, not a 5xx', async () => {
    const { status, body } = await modern('tools/list', {}, { envelope: false });
    assert.ok(status >= 400 && status < 500, `status ${status}`);
    assert.equal(body.error?.code, -32602);
  });

  test('an unsupported revision is answered with the ones this server speaks', async () => {
    const { status, body } = await modern('server/discover', {}, { version: '2099-01-01' });
    assert.ok(status >= 400 && status < 500, `status ${status}`);
    assert.match(JSON.stringify(body.error), /2026-07-28/);
  });

  test('the old v1 SDK client (2025 handshake) lists and calls tools on the same URL', async () => {
    const client = new V1Client({ name: 'v1-client', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(server.mcpUrl)));
    try {
      assert.equal(client.getServerCapabilities()?.tools?.listChanged, false);
      const { tools } = await client.listTools();
      assert.equal(tools.length, 8);
      const result = await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'A v1 client', duration_seconds: 4, idempotency_key: 'v1-client' },
      });
      const view = result.structuredContent as { status: string; operation_id: string };
      assert.match(view.status, /QUEUED|RUNNING/);
      const got = await client.callTool({
        name: 'get_video_operation',
        arguments: { operation_id: view.operation_id },
      });
      assert.equal((got.structuredContent as { operation_id: string }).operation_id, view.operation_id);
    } finally {
      await client.close();
    }
  });

  test('a Host other than the local names is refused on a local bind (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const port = Number(new URL(server.url).port);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          headers: { host: 'evil.example', 'content-type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope } }),
      );
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /evil\.example/);
    assert.match(answer.body, /PUBLIC_BASE_URL/);
  });

  test('CORS preflight allows the 2026-07-28 headers and API keys', async () => {
    const response = await fetch(server.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' },
    });
    assert.equal(response.status, 204);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['mcp-method', 'mcp-name', 'mcp-protocol-version', 'x-api-key', 'authorization']) {
      assert.ok(allowed.includes(header), `${header} in ${allowed}`);
    }
  });
});
