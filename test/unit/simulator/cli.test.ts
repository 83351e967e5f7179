// `npm run simulator`'s flags: --submits-per-minute reaches the standalone simulator, and a bad value stops it at
// once with exit code 2 and a message naming the flag, before it listens anywhere. The flags' checks are
// parseSimulatorArgs, called in-process for each bad value; the CLI itself runs (as `npm run simulator` runs it) once
// with a bad value and once with a good one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { parseSimulatorArgs } from '../../../functions/src/simulator/cli-options.js';
import { freePort, startProcess } from '../../helpers/process.js';
import { submitVideo, vertexClient } from '../../helpers/veo-sdk.js';

const CLI = ['--import', 'tsx', 'functions/src/simulator/cli.ts'];

/** Runs the CLI to its exit; resolves with the exit code and everything it printed. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: new URL('../../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A CLI that accepted the value would listen forever: stop it so the test fails on the exit code, not a hang.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run simulator -- --submits-per-minute', () => {
  test('a bad value is refused with a message naming the flag and what is allowed', () => {
    const bad = ['abc', '0', '-1', '1.5', '1e3', '0x10', '', ' 5', '10001', 'Infinity'];
    for (const value of bad) {
      assert.deepEqual(parseSimulatorArgs([`--submits-per-minute=${value}`, '--port', '0']), {
        ok: false,
        message: `--submits-per-minute ${value}: must be an integer from 1 to 10000 (leave it out for no quota)`,
      });
    }
  });

  test('a missing value is refused with the parser message, without a stack trace', () => {
    const parsed = parseSimulatorArgs(['--submits-per-minute']);
    assert.equal(parsed.ok, false);
    const message = parsed.ok ? '' : parsed.message;
    assert.match(message, /--submits-per-minute <value>' argument missing/);
    assert.doesNotMatch(message, /\n\s+at /);
  });

  test('the CLI exits 2 on a refused flag, printing only the message, without listening', async () => {
    // Every refusal takes the same path out of the CLI (the message, exit 2): one bad value shows it.
    const { code, stdout, stderr } = await runCli(['--submits-per-minute=1e3', '--port', '0']);
    assert.equal(code, 2, stderr);
    assert.equal(
      stderr.trim(),
      '--submits-per-minute 1e3: must be an integer from 1 to 10000 (leave it out for no quota)',
    );
    assert.doesNotMatch(stdout, /listening/);
  });

  test('a good value is the standalone simulator quota, and its outage endpoint works', async () => {
    const port = await freePort();
    const simulator = await startProcess(
      process.execPath,
      [...CLI, '--port', String(port), '--delay', '0', '--submits-per-minute', '2'],
      {},
      /listening on/,
    );
    try {
      assert.match(simulator.output(), /Quota: 2 submits per minute per model/);
      const baseUrl = `http://127.0.0.1:${port}`;
      const ai = vertexClient(baseUrl);
      await submitVideo(ai);
      await submitVideo(ai);
      await assert.rejects(submitVideo(ai), (err: unknown) => err instanceof ApiError && err.status === 429);
      const outage = await fetch(`${baseUrl}/simulator/outage`, { method: 'POST', body: '{"seconds": 60}' });
      assert.equal(outage.status, 200);
      await assert.rejects(
        submitVideo(vertexClient(baseUrl, { project: 'other' })),
        (err: unknown) => err instanceof ApiError && err.status === 503,
      );
      const stats = (await (await fetch(`${baseUrl}/simulator/stats`)).json()) as Record<string, number>;
      assert.deepEqual([stats['submits'], stats['quotaRefusals'], stats['outageRefusals']], [2, 1, 1]);
    } finally {
      await simulator.stop();
    }
  });
});
