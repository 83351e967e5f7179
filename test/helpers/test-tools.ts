// Test-only heavy tools (the GCS emulator, the MCP conformance suite, real MCP clients) are not dependencies of the
// project: each is pinned in its own package under test/tools/<name>/ (package.json + package-lock.json, the source of
// truth), so `npm install && npm start` never downloads or compiles them. A test that needs one calls
// ensureTestTool(name), which installs it with `npm ci` into a per-user cache outside the clone, in a folder named by a
// hash of those two files: every clone and worktree of the same pins shares one install, and a changed pin gets a new
// folder. A lock makes parallel test files (and clones) wait for one install.
//   ${VEO_TEST_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/veo-mcp-cloud/test-tools}/<name>-<hash>/
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nextChange } from './fs-wait.js';

const SOURCES_DIR = new URL('../tools/', import.meta.url).pathname;
const LOCK_STALE_MS = 15 * 60_000;
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** How often a waiting process re-checks the lock (for staleness too) even without a file-system event. */
const LOCK_RECHECK_MS = 2000;
const PINS = ['package.json', 'package-lock.json'];

export interface TestTool {
  /** The tool's installed package folder (its node_modules is inside). */
  dir: string;
  /** Absolute path of an executable the tool installs in node_modules/.bin. */
  bin(name: string): string;
  /**
   * A folder for NODE_COMPILE_CACHE when running the tool's JavaScript: Node keeps the code it compiled there, so runs
   * after the first skip compiling the tool's modules (a large part of a short CLI run's CPU). Entries are checked
   * against the source and the Node version, and written whole, so parallel runs can share it.
   */
  compileCache: string;
}

/** Where installed test tools live: VEO_TEST_TOOLS_DIR, else the user's cache folder. */
export function testToolsCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VEO_TEST_TOOLS_DIR) return path.resolve(env.VEO_TEST_TOOLS_DIR);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'veo-mcp-cloud', 'test-tools');
}

/** The install folder of test/tools/<name>: its name carries a hash of the tool's package.json and lockfile. */
export function testToolDir(name: string, cache = testToolsCache()): string {
  const source = path.join(SOURCES_DIR, name);
  const hash = createHash('sha256');
  for (const file of PINS) {
    const pinned = path.join(source, file);
    if (!existsSync(pinned)) throw new Error(`No test tool ${name}: ${pinned} is missing.`);
    hash.update(`${file}\u0000`).update(readFileSync(pinned)).update('\u0000');
  }
  return path.join(cache, `${name}-${hash.digest('hex').slice(0, 16)}`);
}

/** Installs test/tools/<name> into the cache from its lockfile unless it is there; throws npm's output if that fails. */
export async function ensureTestTool(name: string): Promise<TestTool> {
  const dir = testToolDir(name);
  const tool = {
    dir,
    bin: (bin: string) => path.join(dir, 'node_modules', '.bin', bin),
    compileCache: path.join(dir, 'compile-cache'),
  };
  // Written last, so a folder whose install was interrupted is never taken for a finished one.
  const stamp = path.join(dir, 'node_modules', '.installed');
  if (existsSync(stamp)) return tool;

  mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.installing`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // The lock may vanish between mkdirSync and statSync (its installer just finished): not stale, just retry.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > LOCK_STALE_MS)
        rmSync(lock, { force: true, recursive: true });
      else await nextChange(lock, LOCK_RECHECK_MS); // Another process is installing; it removes the lock.
    }
  }
  try {
    if (existsSync(stamp)) return tool;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const file of PINS)
      writeFileSync(path.join(dir, file), readFileSync(path.join(SOURCES_DIR, name, file)));
    await npmCi(name, dir);
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
    return tool;
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}

function npmCi(name: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: dir, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        reject(new Error(`Installing the test tool ${name} (npm ci in ${dir}) failed:\n${stderr}${stdout}`));
      },
    );
  });
}
