// The official MCP conformance suite (test/tools/conformance) against the server exactly as deployed: every server
// scenario at every protocol revision the suite targets, plus its extension scenarios. What does not apply to this
// server is listed with reasons in test/conformance/not-applicable.json; anything else that does not pass fails here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startProcess, type RunningProcess } from '../helpers/process.js';
import { builtForThisRun, writeWhole } from '../helpers/run-setup.js';
import { ensureTestTool, type TestTool } from '../helpers/test-tools.js';

const NOT_APPLICABLE_FILE = new URL('../conformance/not-applicable.json', import.meta.url).pathname;
const LEGS_RUNNER = new URL('../conformance/legs.mjs', import.meta.url).pathname;
const EXTENSIONS = 'extensions';
/** One test per protocol revision the suite targets (checked against its scenario list), plus its extensions. */
const LEGS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28', EXTENSIONS];
/** Revision whose wire the suite uses for extension scenarios (it runs them at the current draft). */
const EXTENSION_WIRE = '2026-07-28';
/** Checks the suite adds to every scenario; they judge our wire messages, so a whole-scenario entry never excuses them. */
const WIRE_CHECKS = new Set(['wire-schema-valid', 'wire-schema-harness-error']);
/**
 * A hang guard, not a speed requirement: the legs run one after another in one process, and under `npm test` they share
 * two cores with every other test file (78 s for this file on a machine loaded 10 times over).
 */
const RUN_TIMEOUT_MS = 300_000;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: unknown;
}

interface NotApplicable {
  scenario: string;
  check?: string;
  revisions?: string[];
  passesVacuously?: boolean;
  reason: string;
}

/** One scenario run at one revision (`leg` is the revision, or EXTENSIONS). */
interface Run {
  leg: string;
  scenario: string;
  checks: Check[];
}

type Verdict = 'passed' | 'not applicable' | 'failed';

interface Judgement {
  verdict: Verdict;
  /** Why the run does not match not-applicable.json; empty when it does. */
  problems: string[];
  /** Check ids of a passing scenario excused by check-level entries. */
  excused: string[];
  warnings: string[];
}

/**
 * Runs `node args` in the suite's folder and resolves with its stdout if it exits 0. The suite's compiled code is kept
 * between runs (NODE_COMPILE_CACHE in the suite's install folder): compiling it is a good part of a run's CPU.
 */
function node(tool: TestTool, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: tool.dir,
        env: { ...process.env, NODE_COMPILE_CACHE: tool.compileCache },
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`node ${args.join(' ')} failed (${error.message}):\n${stderr}${stdout}`));
        else resolve(stdout);
      },
    );
  });
}

interface Leg {
  name: string;
  /** The scenarios whose results this leg is judged on. */
  scenarios: string[];
  /** The arguments of `conformance server` after the URL. */
  args: string[];
}

/**
 * Runs every leg's `conformance server` command line, one after another in one process (test/conformance/legs.mjs: one
 * CLI process per leg spent more CPU loading the suite than running it), each writing its results under `dir/<name>`.
 */
async function runLegs(tool: TestTool, url: string, legs: Leg[], dir: string): Promise<Run[]> {
  const commandLines = legs.map(({ name, args }) =>
    JSON.stringify({
      name,
      args: ['server', '--url', url, '--timeout', '20000', ...args, '-o', path.join(dir, name)],
    }),
  );
  const output = await node(tool, [LEGS_RUNNER, tool.bin('conformance'), ...commandLines]);
  // Each leg's output follows its "### leg <name>" line.
  const outputs = new Map(
    output
      .split(/^### leg /m)
      .slice(1)
      .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]),
  );
  const runs = await Promise.all(
    legs.map(({ name, scenarios }) =>
      readRuns(name, path.join(dir, name), scenarios, outputs.get(name) ?? output),
    ),
  );
  return runs.flat();
}

/**
 * `conformance list --server`. The listing depends on the installed suite alone, so it is kept in the suite's install
 * folder (named by a hash of its pins) and the CLI lists once per install, not once per run (a second of CPU each).
 */
async function serverScenarioListing(tool: TestTool): Promise<string> {
  const kept = path.join(tool.dir, 'server-scenarios.txt');
  const listing = await readFile(kept, 'utf8').catch(() => undefined);
  if (listing !== undefined) return listing;
  const listed = await node(tool, [tool.bin('conformance'), 'list', '--server']);
  if (parseScenarioList(listed).size === 0) return listed; // Not kept: the test fails on it, and the next run lists again.
  writeWhole(kept, listed); // Whole or absent for a run reading it at the same time.
  return listed;
}

/** Server scenarios by revision tag ("2025-11-25", ..., "extension"), from `conformance list --server`. */
function parseScenarioList(listing: string): Map<string, string[]> {
  const byTag = new Map<string, string[]>();
  for (const [, name, tags] of listing.matchAll(/^\s+- (\S+) \[([^\]]+)\]$/gm)) {
    for (const tag of tags!.split(',')) byTag.set(tag, [...(byTag.get(tag) ?? []), name!]);
  }
  return byTag;
}

/** Reads the checks.json of each expected scenario from an output directory (`server-<scenario>-<timestamp>/`). */
async function readRuns(leg: string, dir: string, scenarios: string[], output: string): Promise<Run[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    scenarios.map(async (scenario) => {
      const found = entries.find(
        (e) =>
          e.startsWith(`server-${scenario}-`) &&
          /^\d{4}-\d\d-\d\dT[\d-]+Z$/.test(e.slice(scenario.length + 8)),
      );
      const file = found && path.join(dir, found, 'checks.json');
      const checks = file
        ? (JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as Check[] | null)
        : null;
      return {
        leg,
        scenario,
        checks: checks ?? [
          {
            id: scenario,
            status: 'FAILURE' as const,
            errorMessage: `the suite wrote no results for this scenario; its output ends:\n${output.slice(-2000)}`,
          },
        ],
      };
    }),
  );
}

function describeCheck(check: Check): string {
  const details =
    check.details === undefined ? '' : `\n      details: ${JSON.stringify(check.details).slice(0, 1500)}`;
  const message = (check.errorMessage ?? check.status).replaceAll('\n', '\n      ');
  return `${check.id}: ${message}${details}`;
}

/** Compares one run with the entries of not-applicable.json that apply to it. */
function judge(run: Run, entries: NotApplicable[]): Judgement {
  const revision = run.leg === EXTENSIONS ? EXTENSION_WIRE : run.leg;
  const mine = entries.filter(
    (e) => e.scenario === run.scenario && (!e.revisions || e.revisions.includes(revision)),
  );
  const whole = mine.find((e) => e.check === undefined);
  const perCheck = new Set(mine.flatMap((e) => (e.check ? [e.check] : [])));
  const at = `${run.leg} ${run.scenario}`;
  // The suite repeats some check ids (one per probe); like its own baselines, any failing occurrence fails the id.
  const failing = run.checks.filter((c) => c.status === 'FAILURE');
  const failingIds = new Set(failing.map((c) => c.id));
  const exercised = run.checks.some((c) => c.status === 'SUCCESS' && !WIRE_CHECKS.has(c.id));
  const warnings = run.checks
    .filter((c) => c.status === 'WARNING')
    .map((c) => `${at} › ${c.id}: ${c.errorMessage ?? ''}`);
  const problems: string[] = [];

  const unexcused = failing.filter(
    (c) => !perCheck.has(c.id) && (!whole || whole.passesVacuously || WIRE_CHECKS.has(c.id)),
  );
  for (const c of unexcused) problems.push(`${at} fails ${describeCheck(c)}`);
  for (const id of perCheck) {
    if (!failingIds.has(id))
      problems.push(`${at} › ${id} is listed as not applicable but no longer fails: remove its entry`);
  }

  if (whole) {
    const passes = exercised && failing.length === 0;
    if (whole.passesVacuously && !exercised) {
      problems.push(`${at} is listed as passing vacuously but the suite no longer passes it`);
    }
    if (!whole.passesVacuously && passes) {
      problems.push(`${at} is listed as not applicable but now passes: remove its entry`);
    }
    return { verdict: problems.length ? 'failed' : 'not applicable', problems, excused: [], warnings: [] };
  }
  if (!exercised && problems.length === 0) {
    const seen = run.checks.map((c) => `${c.id} ${c.status}`).join(', ') || 'no checks';
    problems.push(
      `${at} exercised nothing (${seen}): list it as not applicable with the reason, or find out why`,
    );
  }
  return {
    verdict: problems.length ? 'failed' : 'passed',
    problems,
    excused: [...failingIds].filter((id) => perCheck.has(id)),
    warnings,
  };
}

describe('MCP conformance suite against the deployed function', () => {
  let tool: TestTool;
  let server: RunningProcess | undefined;
  let workDir: string | undefined;
  let suiteVersion: string;
  let notApplicable: NotApplicable[];
  let scenariosByTag: Map<string, string[]>;
  const runs = new Map<string, Run[]>();

  /** The server as deployed, started while the suite lists its scenarios. */
  async function startServer(): Promise<{ url: string }> {
    await builtForThisRun('bundle');
    workDir = await mkdtemp(path.join(tmpdir(), 'conformance-'));
    const port = await freePort();
    server = await startProcess(
      process.execPath,
      ['node_modules/@google-cloud/functions-framework/build/src/main.js', '--target=mcp', `--port=${port}`],
      { PORT: String(port), LOCAL_BLOB_DIR: path.join(workDir, 'blobs'), LOG_LEVEL: 'error' },
      /Serving function/,
    );
    return { url: `http://127.0.0.1:${port}/mcp` };
  }
  let serverStarted: Promise<{ url: string }> | undefined;

  before(
    async () => {
      serverStarted = startServer();
      serverStarted.catch(() => {}); // Awaited (and reported) by the next hook.
      tool = await ensureTestTool('conformance');
      const pkg = path.join(tool.dir, 'node_modules/@modelcontextprotocol/conformance/package.json');
      suiteVersion = (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
      notApplicable = (
        JSON.parse(await readFile(NOT_APPLICABLE_FILE, 'utf8')) as { notApplicable: NotApplicable[] }
      ).notApplicable;
      scenariosByTag = parseScenarioList(await serverScenarioListing(tool));
      const revisions = [...scenariosByTag.keys()].filter((tag) => /^\d{4}-\d\d-\d\d$/.test(tag)).sort();
      const unknown = revisions.filter((r) => !LEGS.includes(r));
      assert.deepEqual(unknown, [], `the suite targets revisions this test has no leg for: add them to LEGS`);
    },
    { timeout: 300_000 }, // The first run installs the suite (npm ci).
  );

  before(
    async () => {
      const revisions = LEGS.filter((leg) => leg !== EXTENSIONS && scenariosByTag.has(leg));
      const { url } = await serverStarted!;

      // A revision leg is one CLI run of every scenario applicable at that revision, spoken at its wire. The suite
      // runs extension scenarios only when no revision is given (at the draft wire), and they sit in its "pending"
      // suite (17 scenarios, against 65 in "all"): one run of that, of which only the extension scenarios count (the
      // rest are covered by the revision legs). An extension scenario that leaves "pending" fails here as unrun.
      const legs: Leg[] = [
        ...revisions.map((r) => ({
          name: r,
          scenarios: scenariosByTag.get(r)!,
          args: ['--suite', 'all', '--spec-version', r],
        })),
        { name: EXTENSIONS, scenarios: scenariosByTag.get('extension') ?? [], args: ['--suite', 'pending'] },
      ];
      for (const run of await runLegs(tool, url, legs, workDir!)) {
        runs.set(run.leg, [...(runs.get(run.leg) ?? []), run]);
      }
      assert.equal(server!.child.exitCode, null, `the server exited during the runs:\n${server!.output()}`);
    },
    { timeout: RUN_TIMEOUT_MS + 30_000 },
  );

  after(async () => {
    await serverStarted?.catch(() => {}); // A start still under way when the first hook failed.
    await server?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  for (const leg of LEGS) {
    test(`${leg}: every applicable scenario passes`, (t) => {
      const legRuns = runs.get(leg);
      if (!legRuns) return t.skip(`the suite has no scenarios for ${leg}`);
      const judged = legRuns.map((run) => judge(run, notApplicable));
      const count = (verdict: Verdict) => judged.filter((j) => j.verdict === verdict).length;
      t.diagnostic(
        `${leg}: ${count('passed')} passed, ${count('failed')} failed, ${count('not applicable')} not applicable`,
      );
      for (const warning of judged.flatMap((j) => j.warnings)) t.diagnostic(`warning: ${warning}`);
      const problems = judged.flatMap((j) => j.problems);
      if (problems.length) assert.fail(`${problems.length} unexpected results:\n${problems.join('\n')}`);
    });
  }

  test('summary; not-applicable.json names only scenarios the suite ran', (t) => {
    const all = [...runs.values()].flat();
    const judged = all.map((run) => judge(run, notApplicable));
    const count = (verdict: Verdict) => judged.filter((j) => j.verdict === verdict).length;
    const excused = judged.reduce((n, j) => n + j.excused.length, 0);
    t.diagnostic(
      `MCP conformance ${suiteVersion}, ${all.length} scenario runs (${[...runs.keys()].join(', ')}): ` +
        `${count('passed')} passed, ${count('failed')} failed, ${count('not applicable')} not applicable ` +
        `(+${excused} not-applicable checks inside passing scenarios)`,
    );
    const unknown = notApplicable.filter(
      (e) =>
        !all.some(
          (run) =>
            run.scenario === e.scenario &&
            (!e.revisions || e.revisions.includes(run.leg === EXTENSIONS ? EXTENSION_WIRE : run.leg)),
        ),
    );
    assert.deepEqual(
      unknown.map((e) => e.scenario),
      [],
      'not-applicable.json names scenarios the suite did not run (renamed or removed?)',
    );
  });
});
