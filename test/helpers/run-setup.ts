// What the files of one `npm test` run share: the build's outputs (`bundle`: the deployed entry and the simulator's
// bundle; `compile`: dist/functions) and the emulators, made once by test/global-setup.ts while the first files
// already run. The setup names a folder for the run in VEO_TEST_RUN_DIR (the runner starts every file
// with that variable) and writes <name>.json there when a prerequisite is ready or has failed; a file that needs one
// awaits that file (a file-system event, re-checked every second). Outside `npm test` (a file run on its own) there
// is no run folder, and each file builds nothing and starts its own emulators.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { untilPath } from './fs-wait.js';

export const RUN_DIR_VARIABLE = 'VEO_TEST_RUN_DIR';

type Outcome<T> = { value: T } | { error: string };

/** Writes `text` to `file` whole: a process reading it at the same time sees all of it or no file. */
export function writeWhole(file: string, text: string): void {
  writeFileSync(`${file}.${process.pid}`, text);
  renameSync(`${file}.${process.pid}`, file);
}

/** Global setup: records how `work` ends, as <name>.json in the run folder. */
export async function publish<T>(dir: string, name: string, work: Promise<T>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = { value: await work };
  } catch (err) {
    outcome = { error: (err as Error).message };
  }
  writeWhole(path.join(dir, `${name}.json`), JSON.stringify(outcome));
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.value;
}

/**
 * What the global setup made under `name`, once it is ready: undefined outside `npm test`, throws what went wrong
 * when it failed.
 */
export async function shared<T>(name: string): Promise<T | undefined> {
  const dir = process.env[RUN_DIR_VARIABLE];
  if (!dir) return undefined;
  const file = path.join(dir, `${name}.json`);
  await untilPath(file, true);
  const outcome = JSON.parse(readFileSync(file, 'utf8')) as Outcome<T>;
  if ('error' in outcome) throw new Error(`${name} failed in npm test's global setup: ${outcome.error}`);
  return outcome.value;
}

/** Waits for the parts of the run's build a file uses: `bundle` (the deployed entry), `compile` (dist/functions). */
export async function builtForThisRun(...parts: Array<'bundle' | 'compile'>): Promise<void> {
  await Promise.all(parts.map((part) => shared(part)));
}

/**
 * `make()`'s text, kept in `npm test`'s run folder under `name`, so the run's other files read it instead of making it
 * again. Outside `npm test` it is made each time.
 */
export async function cachedForThisRun(name: string, make: () => Promise<string>): Promise<string> {
  const dir = process.env[RUN_DIR_VARIABLE];
  const file = dir && path.join(dir, name);
  if (file && existsSync(file)) return readFileSync(file, 'utf8');
  const text = await make();
  if (file) writeWhole(file, text);
  return text;
}
