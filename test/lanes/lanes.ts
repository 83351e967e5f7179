// How `npm test` runs its three tiers (unit, end-to-end, emulator): in lanes. A lane is one process
// (test/lanes/<tier>-<n>.test.ts, started by Node's runner like any test file) that imports its share of the tier's
// test files and runs them one after another. Each test process spends 0.5-1.5 s of CPU loading the same modules (the
// MCP SDK, Google's clients, zod schemas); on two cores, 80 files each in its own process spent more CPU starting than
// testing (the unit tier: 122 s of CPU in 60 processes, 64 s in two lanes). Fewer processes at once also keep the
// machine from being so oversubscribed that real timeouts (a key fetch, a Pub/Sub push) run out.
//
// Nothing can fall out of the suite: a tier's files are found by the same glob as before and dealt among however many
// lane files the tier has (numbered 1..N), every file to exactly one lane. The weights only balance the lanes (a file
// missing from the table counts DEFAULT_SECONDS). Any file still runs on its own: `node --import ./test/ts-loader.mjs
// --test test/unit/x.test.ts`. Files sharing a process keep their state to themselves: hooks inside their suites
// (a top-level before() would be the whole lane's), no process.env edits, unique names and ports.
import { globSync } from 'node:fs';
import path from 'node:path';
import { before } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const TIERS = {
  unit: 'test/unit/**/*.test.ts',
  e2e: 'test/e2e/*.test.ts',
  emulator: 'test/emulator/*.test.ts',
} as const;
export type Tier = keyof typeof TIERS;

const DEFAULT_SECONDS = 1;
/**
 * Seconds of wall time each file took inside one full `npm test` (2026-12-02, 2-core AMD EPYC, all lanes at once:
 * what a file holds its lane for, waits included); files under 1.5 s count as DEFAULT_SECONDS. Only the balance of
 * the lanes depends on them.
 */
const WEIGHTS: Record<string, number> = {
  'test/unit/simulator/videos.test.ts': 16.3,
  'test/unit/terraform-docs.test.ts': 7.6,
  'test/unit/auth/api-keys.test.ts': 4.7,
  'test/unit/auth/iap.test.ts': 4.3,
  'test/unit/video/omni.test.ts': 4.1,
  'test/unit/simulator/interactions.test.ts': 3.6,
  'test/unit/simulator/cli.test.ts': 3.6,
  'test/unit/operations/poll-and-wait.test.ts': 2.9,
  'test/unit/errors.test.ts': 2.8,
  'test/unit/terraform-monitoring.test.ts': 2.4,
  'test/unit/simulator/quota.test.ts': 2.1,
  'test/unit/auth/id-token.test.ts': 2.1,
  'test/unit/operations/admission-hostile.test.ts': 2.0,
  'test/unit/simulator/outage.test.ts': 2.0,
  'test/unit/net/egress.test.ts': 1.9,
  'test/unit/video/models-table.test.ts': 1.7,
  'test/unit/simulator/vertex-refusals.test.ts': 1.6,
  'test/e2e/conformance.test.ts': 22.7,
  'test/e2e/apps.test.ts': 14.1,
  'test/e2e/compat-tools.test.ts': 13.3,
  'test/e2e/cli.test.ts': 12.4,
  'test/e2e/mcp-bad-input.test.ts': 10.7,
  'test/e2e/auth.test.ts': 9.0,
  'test/e2e/real-clients.test.ts': 8.3,
  'test/e2e/processes.test.ts': 8.1,
  'test/e2e/omni-flow.test.ts': 5.2,
  'test/e2e/mcp-faults.test.ts': 4.7,
  'test/e2e/mcp-flow.test.ts': 4.7,
  'test/e2e/tasks.test.ts': 4.4,
  'test/e2e/bursts.test.ts': 4.2,
  'test/e2e/local-bind.test.ts': 3.8,
  'test/e2e/http-hardening.test.ts': 3.2,
  'test/e2e/models.test.ts': 2.5,
  'test/e2e/cancel.test.ts': 2.4,
  'test/e2e/protocol-eras.test.ts': 1.8,
  'test/e2e/resources.test.ts': 1.6,
  'test/emulator/full-flow.test.ts': 31.3,
  'test/emulator/outages.test.ts': 17.5,
  'test/emulator/budget-race.test.ts': 15.4,
  'test/emulator/api-keys.test.ts': 13.0,
  'test/emulator/usage-counters.test.ts': 9.9,
  'test/emulator/bursts.test.ts': 9.5,
  'test/emulator/apps-gcs.test.ts': 6.5,
  'test/emulator/pipelines.test.ts': 6.5,
  'test/emulator/cloud-backends.test.ts': 5.7,
  'test/emulator/tasks.test.ts': 2.1,
};

/** The tier's test files, relative to the repository, in a fixed order. */
export function filesOf(tier: Tier): string[] {
  return globSync(TIERS[tier], { cwd: ROOT }).sort();
}

/** The tier's files dealt among `count` lanes: the heaviest first, each to the lightest lane so far. */
export function lanesOf(files: string[], count: number): string[][] {
  const lanes = Array.from({ length: count }, () => ({ seconds: 0, files: [] as string[] }));
  const weight = (file: string) => WEIGHTS[file] ?? DEFAULT_SECONDS;
  const heaviestFirst = [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  for (const file of heaviestFirst) {
    const lightest = lanes.reduce((min, lane) => (lane.seconds < min.seconds ? lane : min));
    lightest.files.push(file);
    lightest.seconds += weight(file);
  }
  return lanes.map((lane) => lane.files.sort());
}

/** The lane files of a tier, checked to be numbered 1..N. */
export function laneCount(tier: Tier): number {
  const numbers = globSync(`test/lanes/${tier}-*.test.ts`, { cwd: ROOT })
    .map((file) => Number(/-(\d+)\.test\.ts$/.exec(file)?.[1]))
    .sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i + 1)) {
    throw new Error(`test/lanes: the ${tier} lane files must be numbered 1..N, found ${numbers.join(', ')}`);
  }
  return numbers.length;
}

/**
 * A lane file's body: imports the files dealt to this lane, whose tests then run one after another. No test starts
 * before the last file has loaded: a test runs on the lane's one event loop, and a file loading meanwhile (compiling
 * modules, a top-level await that parses the Terraform module) would hold it up for seconds — long enough for a real
 * timeout in that test (a 10-s key fetch) to run out.
 */
export async function runLane(laneUrl: string): Promise<void> {
  let loaded!: () => void;
  const allLoaded = new Promise<void>((resolve) => (loaded = resolve));
  before(() => allLoaded); // The lane's own hook, on its root: before its first test.
  try {
    await importLane(laneUrl);
  } finally {
    loaded();
  }
}

async function importLane(laneUrl: string): Promise<void> {
  const name = path.basename(fileURLToPath(laneUrl), '.test.ts');
  const match = /^(unit|e2e|emulator)-(\d+)$/.exec(name);
  if (!match)
    throw new Error(`test/lanes: ${name} is not named <tier>-<n> (tiers: ${Object.keys(TIERS).join(', ')})`);
  // Every tier has lanes, or its files would leave npm test without a word.
  const counts = Object.fromEntries((Object.keys(TIERS) as Tier[]).map((t) => [t, laneCount(t)]));
  const laneless = Object.keys(counts).filter((t) => counts[t] === 0);
  if (laneless.length > 0) throw new Error(`test/lanes: no lane files for ${laneless.join(', ')}`);
  const tier = match[1] as Tier;
  const files = lanesOf(filesOf(tier), counts[tier]!)[Number(match[2]) - 1]!;
  // A file that fails to load fails the lane, naming it, and the files after it still load and run.
  const failed: string[] = [];
  for (const file of files) {
    try {
      await import(pathToFileURL(path.join(ROOT, file)).href);
    } catch (err) {
      console.error(`test/lanes: ${file} did not load:`, err);
      failed.push(file);
    }
  }
  if (failed.length > 0) throw new Error(`test/lanes: ${failed.join(', ')} did not load (errors above)`);
}
