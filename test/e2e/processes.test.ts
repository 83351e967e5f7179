// The deployment contract and the laptop entry point, as real processes: `functions-framework --target=mcp` serves
// the compiled package.json "main", answers callers on other hosts 403 without an AUTH_MODE and survives a gzip bomb
// in a small heap; `npm start`'s entry serves everything with the embedded simulator on 127.0.0.1 only, and the
// veo-mcp binary drives it; bad settings stop either entry at startup. Each process costs about half a second of CPU
// to start, so one of each serves all the tests that need that configuration (see local-bind.test.ts for `npm start`
// with a wider HOST and an AUTH_MODE).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { runCli } from '../../functions/src/cli/run.js';
import { EXIT } from '../../functions/src/cli/exit-codes.js';
import {
  assertHardenedHeaders,
  EXTERNAL_ADDRESS as external,
  gzipBomb,
  NO_EXTERNAL_ADDRESS as noExternal,
  send,
} from '../helpers/hostile-http.js';
import { readMp4 } from '../helpers/mp4.js';
import { rawPost } from '../helpers/server.js';
import { freePort, startProcess } from '../helpers/process.js';
import { builtForThisRun } from '../helpers/run-setup.js';

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: 'process-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** POSTs a JSON-RPC body to the `mcp` endpoint on HOST:PORT (see rawPost). */
const post = (host: string, port: number, body: string, headers?: Record<string, string>) =>
  rawPost(`http://${host}:${port}/mcp`, body, headers);
const rpc = (method: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
const LIST_TOOLS = rpc('tools/list');

interface ServerProcess {
  port: number;
  dir: string;
  output: () => string;
  exitCode: () => number | null;
  stop(): Promise<void>;
}

/**
 * Starts a server process on a free port with its own blob directory; `{port}` in an argument or a setting is that
 * port. stop() stops it and removes the directory.
 */
async function startServer(
  args: string[],
  ready: RegExp,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const withPort = (value: string) => value.replace('{port}', String(port));
  const dir = await mkdtemp(path.join(tmpdir(), 'proc-'));
  try {
    const server = await startProcess(
      process.execPath,
      args.map(withPort),
      {
        PORT: String(port),
        LOCAL_BLOB_DIR: dir,
        LOG_LEVEL: 'error',
        ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, withPort(value)])),
      },
      ready,
    );
    return {
      port,
      dir,
      output: server.output,
      exitCode: () => server.child.exitCode,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** One process of a configuration, started by the first test that asks and stopped after the suite. */
function shared(start: () => Promise<ServerProcess>) {
  let started: Promise<ServerProcess> | undefined;
  return {
    get: () => (started ??= start()),
    async stop() {
      await (await started?.catch(() => undefined))?.stop();
    },
  };
}

const FF_MAIN = 'node_modules/@google-cloud/functions-framework/build/src/main.js';
const NPM_START = ['dist/functions/src/start.js'];

// The tests run at once. Those of one process share it: each starts its own operations (its own prompt or request id)
// and reads only those.
describe('server processes', { concurrency: true }, () => {
  before(() => builtForThisRun('bundle', 'compile')); // The deployed entry, npm start's and the CLI.

  // The deployed entry as functions-framework's CLI runs it, listening on every interface without an AUTH_MODE, in a
  // 384 MB heap (for the bomb), admitting this machine's external address as its public URL (Host validation).
  const ff = shared(() =>
    startServer(['--max-old-space-size=384', FF_MAIN, '--target=mcp', '--port={port}'], /Serving function/, {
      SIMULATOR_DELAY_SECONDS: '0.5',
      POLL_INITIAL_DELAY_SECONDS: '0.2',
      POLL_INTERVAL_SECONDS: '0.2',
      ...(external ? { PUBLIC_BASE_URL: `http://${external}:{port}` } : {}),
    }),
  );
  const npmStart = shared(() => startServer(NPM_START, /Inspector/, { SIMULATOR_DELAY_SECONDS: '1' }));
  after(() => Promise.all([ff.stop(), npmStart.stop()]));

  test('functions-framework --target=mcp serves the compiled entry from the repository root', async () => {
    const { port } = await ff.get();
    await withClient(`http://127.0.0.1:${port}/mcp`, async (client) => {
      assert.equal((await client.listTools()).tools.length, 8);
      // Without credentials the bundle runs the embedded simulator, which it loads from dist/functions.
      const result = (await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'A paper kite', duration_seconds: 4, wait_seconds: 30 },
      })) as CallToolResult;
      const view = result.structuredContent as { status: string; backend: string };
      assert.equal(view.status, 'SUCCEEDED', JSON.stringify(result.content));
      assert.equal(view.backend, 'simulator');
    });
  });

  test(
    'functions-framework without AUTH_MODE answers other hosts 403 and creates nothing',
    { skip: noExternal },
    async () => {
      const { port } = await ff.get();
      const generate = rpc('tools/call', {
        name: 'generate_video',
        arguments: { prompt: 'From afar', duration_seconds: 4 },
      });
      const refused = await post(external!, port, generate);
      assert.equal(refused.status, 403);
      assert.match(
        refused.text,
        /runs without AUTH_MODE, as the local principal, and answers callers on this machine only\. Set AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key/,
      );
      // The list names each operation's prompt; the other tests' operations are theirs.
      const listed = await post(
        '127.0.0.1',
        port,
        rpc('tools/call', { name: 'list_video_operations', arguments: { limit: 100 } }),
      );
      assert.equal(listed.status, 200);
      assert.match(listed.text, /"operations":\[/);
      assert.doesNotMatch(listed.text, /From afar/, 'the refused call recorded nothing');
    },
  );

  test('a 1 GB gzip bomb against a 384 MB heap is a clean 413, and the process still serves', async () => {
    const bomb = gzipBomb(1024 * 1024 * 1024);
    assert.ok(bomb.length < 1100 * 1024, `the bomb is small (${bomb.length} bytes)`);
    const server = await ff.get();
    const url = `http://127.0.0.1:${server.port}/mcp`;
    const answer = await send(url, { headers: { 'content-encoding': 'gzip' }, body: bomb });
    assert.equal(answer.status, 413, answer.text.slice(0, 300));
    assert.match(
      answer.json?.error?.message ?? '',
      /inflates past the 33554432-byte limit \(MAX_REQUEST_BYTES\)/,
    );
    assertHardenedHeaders(answer, 'the bomb refusal');
    const after = await send(url, { body: LIST_TOOLS });
    assert.equal(after.status, 200, after.text.slice(0, 300));
    assert.equal(server.exitCode(), null, 'the process is alive');
  });

  test('the npm start entry prints the banner and generates a playable simulated video', async () => {
    const { port, output } = await npmStart.get();
    assert.match(output(), new RegExp(`MCP endpoint : http://127\\.0\\.0\\.1:${port}/mcp`));
    assert.match(output(), /Veo backend {2}: simulator/);
    const result = (await withClient(`http://127.0.0.1:${port}/mcp`, (client) =>
      client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'A paper boat', duration_seconds: 8, wait_seconds: 30 },
      }),
    )) as CallToolResult;
    const view = result.structuredContent as {
      status: string;
      backend: string;
      videos: Array<{ url: string }>;
    };
    assert.equal(view.status, 'SUCCEEDED', JSON.stringify(result.content));
    assert.equal(view.backend, 'simulator');
    const bytes = Buffer.from(await (await fetch(view.videos[0]!.url)).arrayBuffer());
    assert.equal(readMp4(bytes).durationSeconds, 8);
  });

  test('npm start listens on 127.0.0.1 only', { skip: noExternal }, async () => {
    const { port } = await npmStart.get();
    assert.equal((await post('127.0.0.1', port, LIST_TOOLS)).status, 200);
    await assert.rejects(post(external!, port, LIST_TOOLS), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message ?? err.message), /ECONNREFUSED/);
      return true;
    });
  });

  test('the veo-mcp binary, reading PORT as the server does, submits, waits and downloads; get and watch read it back', async () => {
    const { port, dir } = await npmStart.get();
    const submit = ['submit', '--prompt', 'A paper plane', '--duration', '4', '--request-id', 'cli-1'];
    // The process: its exit code (execFile refuses any other than 0), its streams, the settings it reads, and a real
    // pause between polls.
    const submitted = await promisify(execFile)(
      process.execPath,
      ['dist/functions/src/cli/veo-mcp.js', ...submit, '--wait', '--download', path.join(dir, 'submitted')],
      { env: { PATH: process.env['PATH'], PORT: String(port) } },
    );
    assert.equal(submitted.stderr, '');
    const id = /started (\S+) \(request cli-1\)/.exec(submitted.stdout)?.[1];
    assert.ok(id, submitted.stdout);
    assert.match(submitted.stdout, new RegExp(`${id} SUCCEEDED`));
    assert.match(submitted.stdout, /video-0\.mp4: http:\/\/127\.0\.0\.1:\d+\/blobs\/\S+\/video-0\.mp4\?/);
    const saved = /saved (\S+)/.exec(submitted.stdout)![1]!;
    assert.equal(readMp4(await readFile(saved)).durationSeconds, 4);

    // The rest only read the finished operation: the same CLI code in this process (how the binary process reports
    // errors is cli.test.ts's).
    const cli = async (...argv: string[]) => {
      const [out, err] = [sinkOf(), sinkOf()];
      const code = await runCli([...argv, '--url', `http://127.0.0.1:${port}/mcp`], {
        out,
        err,
        config: () => assert.fail('the CLI read the configuration although --url was given'),
        now: () => Date.now(),
        pause: () => assert.fail('the operation had finished: nothing to wait for'),
      });
      assert.equal(code, EXIT.SUCCEEDED, err.text);
      return out.text;
    };
    const [again, got, watched] = await Promise.all([
      cli(...submit),
      cli('get', id!, '--download', path.join(dir, 'got')),
      cli('watch', id!),
    ]);
    assert.match(again, new RegExp(`started ${id} `), 'the same request id is the same operation');
    const gotSaved = /saved (\S+)/.exec(got)![1]!;
    assert.equal(readMp4(await readFile(gotSaved)).durationSeconds, 4);
    assert.match(watched, new RegExp(`${id} SUCCEEDED`));
  });

  test('bad settings stop startup, each named: npm start names VEO_BACKEND and HOST, the deployed entry a weak secret but not its value', async () => {
    const weak = 'z'.repeat(40);
    const [npm, deployed] = await Promise.all([
      startProcess(process.execPath, NPM_START, { VEO_BACKEND: 'sora', HOST: '0.0.0.0' }, /never/).then(
        () => assert.fail('npm start started'),
        (err: Error) => err.message,
      ),
      startProcess(
        process.execPath,
        [FF_MAIN, '--target=mcp'],
        { WEBHOOK_SIGNING_SECRET: weak, PORT: String(await freePort()) },
        /never/,
      ).then(
        () => assert.fail('the deployed entry started'),
        (err: Error) => err.message,
      ),
    ]);
    assert.match(npm, /exited with 1 /);
    assert.match(npm, /VEO_BACKEND="sora": must be one of: vertex, gemini, simulator/);
    assert.match(
      npm,
      /HOST="0\.0\.0\.0": listens beyond this machine, which needs AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key/,
    );
    assert.match(deployed, /exited with 1 /);
    assert.match(deployed, /WEBHOOK_SIGNING_SECRET=<redacted>: is too predictable/);
    assert.ok(!deployed.includes(weak));
  });
});

/** A stream for the CLI run in this process: not a terminal, so plain lines. */
function sinkOf() {
  return {
    isTTY: false,
    text: '',
    write(text: string) {
      this.text += text;
      return true;
    },
  };
}
