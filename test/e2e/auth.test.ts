// AUTH_MODE=api_key: callers present a key whose SHA-256 is configured; each key is its own principal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { rawPost, startTestServer, type TestServer } from '../helpers/server.js';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

describe('API-key authentication', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      env: { AUTH_MODE: 'api_key', API_KEY_HASHES: `${sha256('alice-key-0001')},${sha256('bob-key-0002')}` },
    });
  });
  after(() => server.close());

  const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

  test('a request without a key is refused with 401 and a JSON-RPC error', async () => {
    const response = await rawPost(server.mcpUrl, listTools);
    assert.equal(response.status, 401);
    assert.match((response.json as { error: { message: string } }).error.message, /Missing API key/);
  });

  test('a wrong key is refused with 401', async () => {
    const response = await rawPost(server.mcpUrl, listTools, { authorization: 'Bearer not-a-listed-key' });
    assert.equal(response.status, 401);
    assert.match((response.json as { error: { message: string } }).error.message, /Invalid API key/);
  });

  test('each key sees only its own operations', async () => {
    const alice = await server.connect({ authorization: 'Bearer alice-key-0001' });
    const bob = await server.connect({ 'x-api-key': 'bob-key-0002' });
    const started = (await alice.callTool({
      name: 'generate_video',
      arguments: { prompt: 'Alice only', duration_seconds: 4 },
    })) as CallToolResult;
    const id = (started.structuredContent as { operation_id: string }).operation_id;
    const own = (await alice.callTool({
      name: 'get_video_operation',
      arguments: { operation_id: id },
    })) as CallToolResult;
    assert.equal(own.isError, undefined);
    const other = (await bob.callTool({
      name: 'get_video_operation',
      arguments: { operation_id: id },
    })) as CallToolResult;
    assert.equal(other.isError, true);
    const listed = (await bob.callTool({ name: 'list_video_operations', arguments: {} })) as CallToolResult;
    assert.deepEqual((listed.structuredContent as { operations: unknown[] }).operations, []);
  });

  test('API_KEY_HASHES must hold SHA-256 digests, and is never echoed', async () => {
    const { loadConfig } = await import('../../functions/src/config/index.js');
    assert.throws(
      () => loadConfig({ AUTH_MODE: 'api_key', API_KEY_HASHES: 'plain-key' }),
      (err: Error) =>
        /API_KEY_HASHES=<redacted>: must be comma-separated SHA-256/.test(err.message) &&
        !/plain-key/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ AUTH_MODE: 'api_key' }),
      /API_KEY_HASHES: required when AUTH_MODE=api_key/,
    );
  });
});
