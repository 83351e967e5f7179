// `veo-mcp keys` against the Firestore emulator, with the mcp function reading the same collection: a key made by the
// CLI works at once, is stored only as its SHA-256, never appears again in any output, and is refused once revoked.
// The built binary runs as its own process where the process is the point (`create` on the emulator, and the refusal
// of STORE=memory); the rest of the lifecycle runs the same CLI in this process (runCli with runKeysOnFirestore, as
// veo-mcp.ts wires them to its streams), which spares loading the Firestore client once per command.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { runCli } from '../../functions/src/cli/run.js';
import { runKeysOnFirestore } from '../../functions/src/cli/keys.js';
import { loadConfig } from '../../functions/src/config/index.js';
import { emulatorSkip, uniqueNames, useEmulators, type Emulators } from '../helpers/emulators.js';
import { captureLogs } from '../helpers/logs.js';
import { builtForThisRun } from '../helpers/run-setup.js';
import { rawPost, startTestServer, type TestServer } from '../helpers/server.js';

const name = uniqueNames('keys');
const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

describe('API keys in Firestore, managed with veo-mcp keys', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let server: TestServer;
  let env: Record<string, string>;

  before(async () => {
    await builtForThisRun('compile'); // The CLI runs from dist/functions.
    emulators = await useEmulators();
    env = {
      GOOGLE_CLOUD_PROJECT: emulators.projectId,
      FIRESTORE_EMULATOR_HOST: emulators.env['FIRESTORE_EMULATOR_HOST']!,
      GOOGLE_APPLICATION_CREDENTIALS: emulators.env['GOOGLE_APPLICATION_CREDENTIALS']!,
      STORE: 'firestore',
      FIRESTORE_COLLECTION: name('operations'),
      FIRESTORE_IDEMPOTENCY_COLLECTION: name('idempotency'),
      FIRESTORE_API_KEYS_COLLECTION: name('api_keys'),
      AUTH_MODE: 'api_key',
      AUTH_CACHE_SECONDS: '0',
    };
    server = await startTestServer({ env });
  });
  after(async () => {
    await server?.close();
    await emulators?.stop();
  });

  interface Run {
    code: number;
    stdout: string;
    stderr: string;
  }

  /** The built binary, as its own process. */
  const bin = async (args: string[], extra: Record<string, string> = {}): Promise<Run> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['dist/functions/src/cli/veo-mcp.js', 'keys', ...args],
        { env: { PATH: process.env['PATH'], ...env, LOG_LEVEL: 'error', ...extra } },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  /**
   * The same command in this process: the CLI's parsing and exit codes (runCli), configured from the same settings,
   * running the keys command on the Firestore store as veo-mcp.ts does, its lines written as console.log would.
   */
  const cli = async (args: string[]): Promise<Run> => {
    let [stdout, stderr] = ['', ''];
    // The binary's output would also hold whatever the logger writes (log.ts writes to stdout and stderr): caught here
    // at INFO, more than the binary's LOG_LEVEL shows, and held to the same rule.
    const { result, lines } = captureLogs(() =>
      runCli(['keys', ...args], {
        out: { write: (text: string) => (stdout += text) },
        err: { write: (text: string) => (stderr += text) },
        config: () => loadConfig({ ...env, LOG_LEVEL: 'error' }),
        now: () => Date.now(),
        pause: () => assert.fail('keys never waits for an operation'),
        keys: (config, keysArgs) =>
          runKeysOnFirestore(config, keysArgs, {
            out: (line) => (stdout += `${line}\n`),
            err: (line) => (stderr += `${line}\n`),
            now: () => new Date(),
          }),
      }),
    );
    const code = await result;
    return { code, stdout, stderr: stderr + lines.map((line) => `${JSON.stringify(line)}\n`).join('') };
  };

  test('create, use, list, revoke: the key is printed once and refused after revocation', async () => {
    const created = await bin(['create', '--principal', 'render-farm', '--expires-in-days', '7']);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^veo_[A-Za-z0-9_-]{43}$/);
    const hash = createHash('sha256').update(key).digest('hex');
    assert.match(
      created.stderr,
      new RegExp(`Created API key ${hash.slice(0, 12)} for principal render-farm`),
    );

    // Stored as its hash, under its hash; the key itself is nowhere in the document. The key works at once, and
    // `list` shows it: the three only read what `create` wrote, so they run side by side.
    const stored = async () => {
      const db = new Firestore({ projectId: emulators.projectId });
      try {
        return await db.collection(env['FIRESTORE_API_KEYS_COLLECTION']!).doc(hash).get();
      } finally {
        await db.terminate();
      }
    };
    const used = async () => {
      const client = await server.connect({ authorization: `Bearer ${key}` });
      return (await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'Made with a CLI key', duration_seconds: 4 },
      })) as CallToolResult;
    };
    const [doc, result, listed] = await Promise.all([stored(), used(), cli(['list'])]);
    assert.equal(doc.get('principal'), 'render-farm');
    assert.equal(doc.get('revoked'), false);
    assert.ok(!JSON.stringify(doc.data()).includes(key.slice(4)));
    const id = (result.structuredContent as { operation_id: string }).operation_id;
    assert.equal((await server.runtime.store.get(id))?.principal, 'key:render-farm');

    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${hash.slice(0, 12)} +render-farm +\\S+ +\\S+ +active$`, 'm'));

    const revoked = await cli(['revoke', hash.slice(0, 10)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked API key [0-9a-f]{12} \(principal render-farm\)/);

    // Refused from now on, and listed as revoked (both only read the revocation).
    const before = server.simulator.stats.submits;
    const [refused, after] = await Promise.all([
      rawPost(server.mcpUrl, listTools, { 'x-api-key': key }),
      cli(['list']),
    ]);
    assert.equal(refused.status, 401);
    assert.match((refused.json as { error: { message: string } }).error.message, /^Invalid API key/);
    assert.equal(server.simulator.stats.submits, before);
    assert.match(after.stdout, /render-farm .* revoked \S+$/m);
    for (const output of [listed, revoked, after]) {
      const all = output.stdout + output.stderr;
      assert.ok(
        !all.includes(key) && !all.includes(key.slice(4)) && !all.includes(hash),
        'never printed again',
      );
    }
  });

  test('keys are refused with STORE=memory: they would vanish with the process', async () => {
    const run = await bin(['create', '--principal', 'x'], {
      STORE: 'memory',
      API_KEY_HASHES: 'a'.repeat(64),
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /veo-mcp keys needs STORE=firestore/);
    assert.equal(run.stdout, '');
  });
});
