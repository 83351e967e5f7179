// Test-only heavy tools (the GCS emulator, the MCP conformance suite, real MCP clients) are not dependencies of the
// project: each lives in its own pinned package under test/tools/<name>/ (package.json + package-lock.json), so
// `npm install && npm start` never downloads or compiles them. A test that needs one calls ensureTestTool(name), which
// runs `npm ci` there once (again only when its package.json or lockfile changes), under a lock so parallel test files wait for
// one install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const TOOLS_DIR = new URL('../tools/', import.meta.url).pathname;
const LOCK_STALE_MS = 15 * 60_000;
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export interface TestTool {
  /** The tool's package folder (its node_modules is inside). */
  dir: string;
  /** Absolute path of an executable the tool installs in node_modules/.bin. */
  bin(name: string): string;
}

/** Installs test/tools/<name> from its lockfile if it is not installed yet; throws with npm's output if that fails. */
export async function ensureTestTool(name: string): Promise<TestTool> {
  const dir = path.join(TOOLS_DIR, name);
  const lockfile = path.join(dir, 'package-lock.json');
  if (!existsSync(lockfile)) throw new Error(`No test tool ${name}: ${lockfile} is missing.`);
  const stamp = path.join(dir, 'node_modules', '.installed');
  const tool = { dir, bin: (bin: string) => path.join(dir, 'node_modules', '.bin', bin) };
  const wanted = () => readFileSync(path.join(dir, 'package.json'), 'utf8') + readFileSync(lockfile, 'utf8');
  const current = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted();
  if (current()) return tool;

  const lock = path.join(dir, '.installing');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // The lock may vanish between mkdirSync and statSync (its installer just finished): not stale, just retry.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > LOCK_STALE_MS)
        rmSync(lock, { force: true, recursive: true });
      await sleep(250); // Another test process is installing this tool; it removes the lock when done.
    }
  }
  try {
    if (current()) return tool;
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: INSTALL_TIMEOUT_MS,
    });
    if (result.status !== 0) {
      throw new Error(
        `Installing the test tool ${name} (npm ci in ${dir}) failed:\n${result.stderr}${result.stdout}`,
      );
    }
    writeFileSync(stamp, wanted());
    return tool;
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}
