// `npm start` beyond loopback: HOST=0.0.0.0 needs an auth mode (without one startup stops, processes.test.ts), and
// with AUTH_MODE=api_key it serves callers on other hosts that present a key, and only them. The same process shows
// the startup log's security line, which states the settings in force and no secret. (`npm start` on 127.0.0.1 only,
// and functions-framework's own CLI answering non-loopback callers 403 without an AUTH_MODE, are processes.test.ts's,
// on the processes it shares with its other tests.)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXTERNAL_ADDRESS as external, NO_EXTERNAL_ADDRESS as skip } from '../helpers/hostile-http.js';
import { rawPost } from '../helpers/server.js';
import { freePort, startProcess, type RunningProcess } from '../helpers/process.js';
import { builtForThisRun } from '../helpers/run-setup.js';

const NPM_START = ['dist/functions/src/start.js'];
const WEBHOOK_SECRET = 'q8Vw2Lr0Zt5Kp9Nd3Hs7Jm1Bx6Cf4Gy+';
const API_KEY = 'veo_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const API_KEY_HASH = createHash('sha256').update(API_KEY).digest('hex');

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

/** POSTs a JSON-RPC body to the `mcp` endpoint on HOST:PORT (see rawPost). */
const post = (host: string, port: number, body: string, headers?: Record<string, string>) =>
  rawPost(`http://${host}:${port}/mcp`, body, headers);

describe('npm start on every interface with AUTH_MODE=api_key', { concurrency: true }, () => {
  let server: RunningProcess;
  let port: number;
  let dir: string;
  before(async () => {
    await builtForThisRun('compile');
    port = await freePort();
    dir = await mkdtemp(path.join(tmpdir(), 'bind-'));
    server = await startProcess(
      process.execPath,
      NPM_START,
      {
        PORT: String(port),
        LOCAL_BLOB_DIR: dir,
        HOST: '0.0.0.0',
        AUTH_MODE: 'api_key',
        API_KEY_HASHES: API_KEY_HASH,
        WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
        LOG_LEVEL: 'info',
        // Host validation (DNS-rebinding guard) admits the external address only as the configured public URL.
        ...(external ? { PUBLIC_BASE_URL: `http://${external}:${port}` } : {}),
      },
      /MCP endpoint/,
    );
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('other hosts that present a key are served, and only them', { skip }, async () => {
    assert.equal((await post(external!, port, listTools, { 'x-api-key': API_KEY })).status, 200);
    const refused = await post(external!, port, generate);
    assert.equal(refused.status, 401);
    assert.match(refused.text, /Missing API key/);
    const listed = await post(external!, port, listOperations, { 'x-api-key': API_KEY });
    assert.match(listed.text, /"operations":\[\]/);
  });

  test('the log states the security settings in force, and no secret', () => {
    const output = server.output();
    const line = output.split('\n').find((l) => l.includes('"Security settings"'));
    assert.ok(line, output);
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
    for (const secret of [WEBHOOK_SECRET, API_KEY, API_KEY_HASH]) assert.ok(!output.includes(secret));
  });
});
