// `npm test`'s global setup (node --test-global-setup): makes what the test files share, once per run. First, before
// any lane starts, the suite's TypeScript compiled once into the run folder (ts-loader.mjs reads it). Then, without
// holding up the files that need none of it: the build's three steps at once (`npm run bundle`, the deployed entry, and
// `npm run compile`, dist/functions for npm start and the CLI, each ready in a second or two; `npm run
// typecheck:functions`, tsc, which no file waits for) and the Firestore, Pub/Sub and Storage emulators
// (SKIP_EMULATOR_TESTS=1: none). All start here and the runner starts the test files at once; the outputs are
// published in a run folder as they become ready (run-setup.ts), where the files that need them wait. The runner spawns every file with its own environment as this function leaves
// it, so VEO_TEST_RUN_DIR set here reaches them all; nothing else is added to that environment (only the emulator
// suites point their clients at the emulators, in useEmulators()). A failed build or emulator start fails the files
// that need it, with the reason; the teardown waits for everything, stops the emulators and fails the run if any
// build step failed (a type error fails `npm test`, with tsc's output above the test results).
// The runner process does not run the `--import` modules (only the test files do) and Node loads this file by
// stripping its types, so it installs the suite's TypeScript loader itself before loading the helpers.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { globSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { precompile, TS_CACHE_VARIABLE } from './ts-loader.mjs';
import type { Emulators, SharedEmulators } from './helpers/emulators.js';

const { emulatorSkip, startEmulators } = await import('./helpers/emulators.js');
const { publish, RUN_DIR_VARIABLE } = await import('./helpers/run-setup.js');

let runDir: string | undefined;
let made: Array<Promise<unknown>> = [];
let emulators: Emulators | undefined;

let buildFailure: Error | undefined;

async function npmRun(script: 'bundle' | 'compile' | 'typecheck:functions'): Promise<void> {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    buildFailure = new Error(`npm run ${script} failed (exit ${code}); its output is above`);
    throw buildFailure;
  }
}

async function sharedEmulators(): Promise<SharedEmulators> {
  emulators = await startEmulators();
  return { projectId: emulators.projectId, env: emulators.env };
}

export async function globalSetup(): Promise<void> {
  runDir = mkdtempSync(path.join(tmpdir(), 'veo-test-run-'));
  process.env[RUN_DIR_VARIABLE] = runDir;
  // The suite's TypeScript, compiled once for all lanes (each would compile the same sources on its own).
  const tsCache = path.join(runDir, 'ts');
  mkdirSync(tsCache);
  const root = new URL('..', import.meta.url).pathname;
  await precompile(
    tsCache,
    globSync(['functions/src/**/*.ts', 'test/**/*.ts'], {
      cwd: root,
      exclude: ['**/*.d.ts', '**/*.d.mts'],
    }).map((file) => path.join(root, file)),
  );
  process.env[TS_CACHE_VARIABLE] = tsCache;
  made = [
    publish(runDir, 'bundle', npmRun('bundle')),
    publish(runDir, 'compile', npmRun('compile')),
    npmRun('typecheck:functions'),
  ];
  if (!emulatorSkip) made.push(publish(runDir, 'emulators', sharedEmulators()));
  for (const work of made) work.catch(() => {}); // Reported by the files that need it.
}

export async function globalTeardown(): Promise<void> {
  await Promise.allSettled(made);
  await emulators?.stop();
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  // Not thrown: a throwing teardown leaves Node 24's runner hanging. The files that needed the build failed already.
  if (buildFailure) process.exitCode = 1;
}
