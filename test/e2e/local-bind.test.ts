// The local principal stays on this machine: `npm start` listens on 127.0.0.1 only, a wider HOST needs an auth mode,
// and functions-framework's own CLI (which listens on every interface) answers non-loopback callers 403 when no
// AUTH_MODE is set. Also the startup log's security line, and startup refusals, as real processes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { freePort, startProcess } from '../helpers/process.js';
import { builtForThisRun } from '../helpers/run-setup.js';

const FF_MCP = ['node_modules/@google-cloud/functions-framework/build/src/main.js', '--target=mcp'];
const NPM_START = ['dist/functions/src/start.js'];
const WEBHOOK_SECRET = 'q8Vw2Lr0Zt5Kp9Nd3Hs7Jm1Bx6Cf4Gy+';
const API_KEY = 'veo_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

/** An address of this machine that is not loopback, so a request to it comes from a non-loopback address. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const skip = external ? false : 'this machine has no non-loopback IPv4 address to call from';

const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
const listOperations = JSON.stringify({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'list_video_operations', arguments: {} },
});
const generate = JSON.stringify({
  jsonrpc: '2.0',
  id: 3,
  method: 'tools/call',
  params: { name: 'generate_video', arguments: { prompt: 'From afar', duration_seconds: 4 } },
});

async function post(host: string, port: number, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://${host}:${port}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function withProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  fn: (port: number, output: () => string) => Promise<void>,
): Promise<void> {
  const port = await freePort();
  // Host validation (DNS-rebinding guard) admits the external address only as the configured public URL.
  env = { ...env, PUBLIC_BASE_URL: (env['PUBLIC_BASE_URL'] ?? '').replace('{port}', String(port)) };
  if (!env['PUBLIC_BASE_URL']) delete env['PUBLIC_BASE_URL'];
  const dir = await mkdtemp(path.join(tmpdir(), 'bind-'));
  const server = await startProcess(
    process.execPath,
    [...args, `--port=${port}`],
    { PORT: String(port), LOCAL_BLOB_DIR: dir, LOG_LEVEL: 'error', ...env },
    ready,
  );
  try {
    await fn(port, server.output);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the local principal stays on this machine', { concurrency: true, skip }, () => {
  before(() => builtForThisRun('bundle', 'compile'));

  test('npm start listens on 127.0.0.1 only', async () => {
    await withProcess(NPM_START, {}, /MCP endpoint/, async (port) => {
      assert.equal((await post('127.0.0.1', port, listTools)).status, 200);
      await assert.rejects(post(external!, port, listTools), (err: Error) => {
        assert.match(String((err.cause as Error | undefined)?.message ?? err.message), /ECONNREFUSED/);
        return true;
      });
    });
  });

  test('functions-framework without AUTH_MODE answers other hosts 403 and creates nothing', async () => {
    const env = { PUBLIC_BASE_URL: `http://${external}:{port}` };
    await withProcess(FF_MCP, env, /Serving function/, async (port) => {
      const refused = await post(external!, port, generate);
      assert.equal(refused.status, 403);
      assert.match(
        refused.text,
        /runs without AUTH_MODE, as the local principal, and answers callers on this machine only\. Set AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key/,
      );
      const listed = await post('127.0.0.1', port, listOperations);
      assert.equal(listed.status, 200);
      assert.match(listed.text, /"operations":\[\]/, 'the refused call recorded nothing');
    });
  });

  test('HOST beyond loopback without AUTH_MODE stops startup, naming HOST', async () => {
    await assert.rejects(
      startProcess(process.execPath, NPM_START, { HOST: '0.0.0.0', PORT: String(await freePort()) }, /never/),
      /HOST="0\.0\.0\.0": listens beyond this machine, which needs AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key/,
    );
  });

  test('HOST=0.0.0.0 with AUTH_MODE=api_key serves other hosts that present a key, and only them', async () => {
    const env = {
      HOST: '0.0.0.0',
      AUTH_MODE: 'api_key',
      API_KEY_HASHES: createHash('sha256').update(API_KEY).digest('hex'),
      PUBLIC_BASE_URL: `http://${external}:{port}`,
    };
    await withProcess(NPM_START, env, /MCP endpoint/, async (port) => {
      assert.equal((await post(external!, port, listTools, { 'x-api-key': API_KEY })).status, 200);
      const refused = await post(external!, port, generate);
      assert.equal(refused.status, 401);
      assert.match(refused.text, /Missing API key/);
      const listed = await post(external!, port, listOperations, { 'x-api-key': API_KEY });
      assert.match(listed.text, /"operations":\[\]/);
    });
  });
});

describe('startup', { concurrency: true }, () => {
  before(() => builtForThisRun('bundle', 'compile'));

  test('the log states the security settings in force, and no secret', async () => {
    const env = {
      LOG_LEVEL: 'info',
      AUTH_MODE: 'api_key',
      API_KEY_HASHES: createHash('sha256').update(API_KEY).digest('hex'),
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    };
    await withProcess(FF_MCP, env, /Serving function/, async (_port, output) => {
      const line = output()
        .split('\n')
        .find((l) => l.includes('"Security settings"'));
      assert.ok(line, output());
      const settings = JSON.parse(line) as Record<string, unknown>;
      assert.equal(settings['authMode'], 'api_key');
      assert.equal(settings['apiKeyHashesListed'], 1);
      assert.equal(settings['webhookSigning'], 'set');
      assert.equal(settings['authCacheSeconds'], 30);
      assert.deepEqual(settings['spendLimits'], {
        dailySecondsPerPrincipal: 480,
        dailySecondsByPrincipal: {},
        dailySecondsTotal: 2400,
        requestsPerMinute: 60,
        maxRunning: 10,
      });
      for (const secret of [WEBHOOK_SECRET, API_KEY, env.API_KEY_HASHES])
        assert.ok(!output().includes(secret));
    });
  });

  test('a weak secret stops the instance, naming the setting and not the value', async () => {
    const weak = 'z'.repeat(40);
    await assert.rejects(
      startProcess(
        process.execPath,
        FF_MCP,
        { WEBHOOK_SIGNING_SECRET: weak, PORT: String(await freePort()) },
        /never/,
      ),
      (err: Error) => {
        assert.match(err.message, /WEBHOOK_SIGNING_SECRET=<redacted>: is too predictable/);
        assert.ok(!err.message.includes(weak));
        return true;
      },
    );
  });
});
