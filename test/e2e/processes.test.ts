// The deployment contract and the laptop entry point, as real processes: `functions-framework --target=mcp` serves
// the compiled package.json "main"; `npm start`'s entry serves everything with the embedded simulator.
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
import { readMp4 } from '../helpers/mp4.js';
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

interface ServerProcess {
  port: number;
  dir: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a server process on a free port with its own blob directory; stop() stops it and removes the directory. */
async function startServer(
  args: string[],
  ready: RegExp,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'proc-'));
  try {
    const server = await startProcess(
      process.execPath,
      args.map((a) => a.replace('{port}', String(port))),
      { PORT: String(port), LOCAL_BLOB_DIR: dir, LOG_LEVEL: 'error', ...env },
      ready,
    );
    return {
      port,
      dir,
      output: server.output,
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

/** Runs `fn` against a server process of its own, then stops it. */
async function withServer(
  args: string[],
  ready: RegExp,
  env: Record<string, string>,
  fn: (server: ServerProcess) => Promise<void>,
): Promise<void> {
  const server = await startServer(args, ready, env);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

const FF_MCP = [
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
  '--target=mcp',
  '--port={port}',
];
const NPM_START = ['dist/functions/src/start.js'];

// The tests run at once, each on its own processes, ports and folders, except that the banner test and the CLI test
// share one `npm start` process: each starts its own operation (its own prompt and request id) and reads only that one.
describe('server processes', { concurrency: true }, () => {
  before(() => builtForThisRun('bundle', 'compile')); // The deployed entry, npm start's and the CLI.
  let npmStarted: Promise<ServerProcess> | undefined;
  /** The shared `npm start` process, started by the first test that asks. */
  const npmStart = () =>
    (npmStarted ??= startServer(NPM_START, /Inspector/, { SIMULATOR_DELAY_SECONDS: '1' }));
  after(async () => {
    await (await npmStarted?.catch(() => undefined))?.stop();
  });

  test('functions-framework --target=mcp serves the compiled entry from the repository root', async () => {
    const env = {
      SIMULATOR_DELAY_SECONDS: '0.5',
      POLL_INITIAL_DELAY_SECONDS: '0.2',
      POLL_INTERVAL_SECONDS: '0.2',
    };
    await withServer(FF_MCP, /Serving function/, env, async ({ port }) => {
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
  });

  test('the npm start entry prints the banner and generates a playable simulated video', async () => {
    const { port, output } = await npmStart();
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

  test('the veo-mcp CLI submits, waits, gets and downloads through the MCP endpoint', async () => {
    const { port, dir } = await npmStart();
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [
        'dist/functions/src/cli/veo-mcp.js',
        ...args,
        '--url',
        `http://127.0.0.1:${port}/mcp`,
      ]);
    const submit = ['submit', '--prompt', 'A paper plane', '--duration', '4', '--request-id', 'cli-1'];
    const submitted = await cli(...submit, '--wait');
    const id = /started (\S+) \(request cli-1\)/.exec(submitted.stdout)?.[1];
    assert.ok(id, submitted.stdout);
    assert.match(submitted.stdout, new RegExp(`${id} SUCCEEDED`));
    assert.match(submitted.stdout, /video-0\.mp4: http:\/\/127\.0\.0\.1:\d+\/blobs\/\S+\/video-0\.mp4\?/);
    // The rest only read the finished operation: one CLI process each, at once. (How the binary reports a usage
    // error is cli.test.ts's, with every usage error run in process.)
    const [again, got, watched] = await Promise.all([
      cli(...submit),
      cli('get', id!, '--download', path.join(dir, 'out')),
      cli('watch', id!),
    ]);
    assert.match(again.stdout, new RegExp(`started ${id} `), 'the same request id is the same operation');
    const saved = /saved (\S+)/.exec(got.stdout)![1]!;
    assert.equal(readMp4(await readFile(saved)).durationSeconds, 4);
    assert.match(watched.stdout, /SUCCEEDED/);
  });

  test('a bad setting stops startup with a message naming the variable', async () => {
    await assert.rejects(
      startProcess(process.execPath, ['dist/functions/src/start.js'], { VEO_BACKEND: 'sora' }, /never/),
      /VEO_BACKEND="sora": must be one of: vertex, gemini, simulator/,
    );
  });
});
