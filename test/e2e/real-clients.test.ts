// Real MCP clients against the server as deployed: Claude Code and Gemini CLI (pinned in test/tools/clients) each add
// the endpoint the way the README says, in a throwaway home and project folder, and must list it as connected.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { freePort, startProcess, type RunningProcess } from '../helpers/process.js';
import { builtForThisRun } from '../helpers/run-setup.js';
import { ensureTestTool, type TestTool } from '../helpers/test-tools.js';

const CLI_TIMEOUT_MS = 60_000;

/** Runs a CLI, killing its process group after CLI_TIMEOUT_MS; resolves with stdout + stderr if it exits 0. */
async function runCli(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, CLI_TIMEOUT_MS);
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    const shown = `$ ${path.basename(command)} ${args.join(' ')}  (in ${cwd})\n${output}`;
    if (timedOut) throw new Error(`Did not finish within ${CLI_TIMEOUT_MS / 1000} s:\n${shown}`);
    if (code !== 0) throw new Error(`Exited with ${code ?? signal}:\n${shown}`);
    return output;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The environment of a client run: the caller's, without any client or Google settings of the developer's (which
 * could point a CLI at the real ~/.claude or ~/.gemini), with a throwaway HOME and XDG folders, plus `extra`.
 */
function clientEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !/^(CLAUDE|ANTHROPIC|GEMINI|GOOGLE|XDG)_|^NODE_OPTIONS$|^NODE_TEST/.test(name),
  );
  return {
    ...Object.fromEntries(inherited),
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    NO_COLOR: '1',
    ...extra,
  };
}

/** A throwaway user: an empty home and an empty project folder (the CLI's cwd), removed afterwards. */
async function withScratchUser(
  fn: (dirs: { home: string; project: string }) => Promise<void>,
): Promise<void> {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'real-clients-')));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  await mkdir(home);
  await mkdir(project);
  try {
    await fn({ home, project });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const README_URL = 'http://127.0.0.1:8080/mcp';

/** The command the README's client table gives for `client`, as argv, with the README's URL replaced by `url`. */
function readmeCommand(client: string, program: string, url: string): string[] {
  const row = README.split('\n').find((line) => line.startsWith(`| ${client} `));
  assert.ok(row, `README has a "${client}" row in its client table`);
  const command = new RegExp(`\`(${program} [^\`]+)\``).exec(row)?.[1];
  assert.ok(
    command?.includes(README_URL),
    `README's ${client} row gives a \`${program} …\` command for ${README_URL}`,
  );
  return command!.replace(README_URL, url).split(' ').slice(1);
}

// Each client runs in its own throwaway home and project folder: the two tests run at once.
describe('real MCP clients', { concurrency: true }, () => {
  let server: RunningProcess;
  let blobDir: string;
  let url: string;
  let clients: TestTool | undefined;
  let installError = '';

  before(async () => {
    try {
      clients = await ensureTestTool('clients');
    } catch (error) {
      installError = (error as Error).message;
    }
    await builtForThisRun('bundle');
    const port = await freePort();
    blobDir = await mkdtemp(path.join(tmpdir(), 'real-clients-blobs-'));
    server = await startProcess(
      process.execPath,
      ['node_modules/@google-cloud/functions-framework/build/src/main.js', '--target=mcp', `--port=${port}`],
      { PORT: String(port), LOCAL_BLOB_DIR: blobDir, LOG_LEVEL: 'error' },
      /Serving function/,
    );
    url = `http://127.0.0.1:${port}/mcp`;
  });

  after(async () => {
    await server?.stop();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  /** The installed clients, or undefined after marking `t` skipped with npm's reason. */
  function installed(t: TestContext): TestTool | undefined {
    if (clients) return clients;
    t.diagnostic(installError);
    t.skip(
      `the real MCP clients could not be installed: ${installError.split('\n').find((l) => l.trim()) ?? ''}`,
    );
    return undefined;
  }

  test('Claude Code adds the endpoint with `claude mcp add --transport http` and lists it connected', async (t) => {
    const tool = installed(t);
    if (!tool) return;
    const claude = tool.bin('claude');
    await withScratchUser(async ({ home, project }) => {
      const env = clientEnv(home, {
        CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      });
      try {
        await runCli(claude, ['--version'], project, env);
      } catch (error) {
        // The npm package installs a stub when no native build exists for this platform.
        t.skip(`Claude Code has no native build installed here: ${(error as Error).message}`);
        return;
      }
      const added = await runCli(claude, readmeCommand('Claude Code', 'claude', url), project, env);
      assert.match(
        added,
        new RegExp(`Added HTTP MCP server veo with URL: ${escape(url)} to local config`),
        `claude mcp add printed:\n${added}`,
      );
      const listed = await runCli(claude, ['mcp', 'list'], project, env);
      t.diagnostic(`claude mcp list:\n${listed.trim()}`);
      assert.match(
        listed,
        new RegExp(`^veo: ${escape(url)} \\(HTTP\\) - ✔ Connected$`, 'm'),
        `claude mcp list printed:\n${listed}`,
      );
    });
  });

  test('Gemini CLI adds the endpoint with `gemini mcp add --transport http` and lists it connected in a trusted folder', async (t) => {
    const tool = installed(t);
    if (!tool) return;
    const gemini = tool.bin('gemini');
    await withScratchUser(async ({ home, project }) => {
      const env = clientEnv(home, {
        GEMINI_CLI_HOME: home,
        GEMINI_CLI_NO_RELAUNCH: 'true', // one process (the relaunching parent ignores SIGTERM)
        GEMINI_TELEMETRY_ENABLED: 'false',
        // Gemini CLI is ~25 MB of JavaScript: with its compiled code kept between runs (every run after the first one
        // ever), each of the three runs below costs about a quarter less CPU.
        NODE_COMPILE_CACHE: tool.compileCache,
      });
      await mkdir(path.join(home, '.gemini'));
      const settings = {
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
        privacy: { usageStatisticsEnabled: false },
        telemetry: { enabled: false },
      };
      await writeFile(path.join(home, '.gemini', 'settings.json'), JSON.stringify(settings, null, 2));

      const added = await runCli(gemini, readmeCommand('Gemini CLI', 'gemini', url), project, env);
      assert.match(
        added,
        /MCP server "veo" added to project settings\. \(http\)/,
        `gemini mcp add printed:\n${added}`,
      );
      const entry = `veo: ${escape(url)} \\(http\\)`;

      // Folder trust is on by default: in a folder the user has not trusted, Gemini CLI connects to no MCP server.
      const untrusted = await runCli(gemini, ['mcp', 'list'], project, env);
      assert.match(
        untrusted,
        /disabled because this folder is untrusted/,
        `gemini mcp list printed:\n${untrusted}`,
      );
      assert.match(untrusted, new RegExp(`○ ${entry} - Disabled`), `gemini mcp list printed:\n${untrusted}`);

      // What "Trust folder" in Gemini CLI's trust dialog records, as the README tells users to write it.
      const snippet = /`(\{"\/path\/to\/your\/project": "TRUST_FOLDER"\})`/.exec(README)?.[1];
      assert.ok(snippet, 'README gives the trustedFolders.json entry');
      const trusted = JSON.parse(snippet.replace('/path/to/your/project', project)) as Record<string, string>;
      await writeFile(path.join(home, '.gemini', 'trustedFolders.json'), JSON.stringify(trusted, null, 2));
      const listed = await runCli(gemini, ['mcp', 'list'], project, env);
      t.diagnostic(`gemini mcp list:\n${listed.trim()}`);
      assert.match(listed, new RegExp(`✓ ${entry} - Connected`), `gemini mcp list printed:\n${listed}`);
    });
  });
});
