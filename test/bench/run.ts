// `npm run bench`: Veo MCP Cloud measured side by side with a floor — the smallest stateless MCP server on
// functions-framework (test/bench/floor, on SDK v1 as before the v2 move; test/bench/floor-v2, the same on SDK v2) —
// in one run on this machine and Node, reported as medians, spreads and ratios.
// Cold start, warm throughput and latency (autocannon), RSS, the cloud flow and the pipelines under load on the
// emulators (started once for both), and deployed size.
// Options: --runs N (cold starts per server, default 10), --duration S (seconds per load test, default 5),
// --quick (skip the 5-minute generation), --no-emulators.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { useEmulators } from '../helpers/emulators.js';
import { TestIssuer } from '../helpers/id-tokens.js';
import { freePort } from '../helpers/process.js';
import { measureCloudFlow, type FlowMetrics } from './cloud-flow.js';
import { measurePipelineLoad, type PipelineLoadMetrics } from './pipelines-load.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const FF_MAIN = path.join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
/**
 * What the container receives behind Cloud Run's IAM check: the caller's ID token with its signature removed
 * (auth/id-token.ts). The deployed shape (K_SERVICE set) is AUTH_MODE=iam, which refuses requests without it.
 */
const PLATFORM_VERIFIED_TOKEN = TestIssuer.platformVerified('bench@example.com');
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  'x-serverless-authorization': `Bearer ${PLATFORM_VERIFIED_TOKEN}`,
};
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
});
const rpc = (method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
/** The same request on protocol 2026-07-28: per-request _meta envelope and Mcp-Method header, no handshake. */
const MODERN_HEADERS = { ...HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };
const modernRpc = (method: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
/** Concurrent calls for the peak-memory measurement (the issue's "20 concurrent calls"). */
const MEMORY_CONNECTIONS = 20;
/** Catalog requests in the pipelines load run (each delivered 1-5 times). */
const PIPELINE_REQUESTS = 100;

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    duration: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    'no-emulators': { type: 'boolean', default: false },
  },
});
const RUNS = Number(options.runs);
const DURATION = Number(options.duration);

type ServerName = 'veo' | 'floor' | 'floorV2';

interface ServerSpec {
  name: ServerName;
  args: (port: number) => string[];
  env: Record<string, string>;
}

interface Running {
  child: ChildProcess;
  url: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

async function start(spec: ServerSpec): Promise<Running & { coldStartMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, spec.args(port), {
    cwd: ROOT,
    env: { ...process.env, ...spec.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  // Poll for the first successful initialize: this is the cold start as a client sees it.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: HEADERS, body: INITIALIZE });
      await response.arrayBuffer();
      if (response.ok) return { child, url, coldStartMs: performance.now() - t0 };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  running.child.kill('SIGKILL');
  await once(running.child, 'exit');
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  body: string,
  connections: number,
  headers: Record<string, string> = HEADERS,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    duration: DURATION,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function call(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body });
  const text = await response.text();
  const data = text.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data ? data.slice(6) : text);
}

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirSize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** The mcp function's deployed memory (terraform/variables.tf default), in MB. */
function deployedMemoryMb(): number {
  const variables = readFileSync(path.join(ROOT, 'terraform/variables.tf'), 'utf8');
  const block = variables.slice(variables.indexOf('variable "mcp_function"'));
  const memory = /memory\s*=\s*optional\(string,\s*"(\d+)(Mi|Gi)"\)/.exec(block)!;
  return Number(memory[1]) * (memory[2] === 'Gi' ? 1024 : 1) * 1.048576;
}

/** What Terraform uploads (the repository minus tests and dev files) and what npm installs for production. */
function deployedSize(): { sourceBytes: number; sourceGzipBytes: number; productionDependencyBytes: number } {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(
      (f) =>
        f &&
        !f.startsWith('test/') &&
        !f.startsWith('.ci/') &&
        statSync(path.join(ROOT, f), { throwIfNoEntry: false }),
    );
  let sourceBytes = 0;
  let sourceGzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(ROOT, file));
    sourceBytes += bytes.length;
    sourceGzipBytes += gzipSync(bytes).length;
  }
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((p) => p && p !== ROOT);
  const unique = [...new Set(listed)].sort();
  const roots = unique.filter((p, i) => !unique.slice(0, i).some((q) => p.startsWith(q + path.sep)));
  const productionDependencyBytes = roots.reduce((sum, dir) => sum + dirSize(dir), 0);
  return { sourceBytes, sourceGzipBytes, productionDependencyBytes };
}

async function main() {
  const simulator = new VeoSimulator({ delaySeconds: 2 });
  const simulatorUrl = await simulator.listen(0);
  const blobDir = mkdtempSync(path.join(os.tmpdir(), 'bench-blobs-'));
  // The product as deployed (K_SERVICE set: lazy start, cloud defaults), but with memory store and local blobs,
  // against a shared simulator so no embedded one starts.
  const veo: ServerSpec = {
    name: 'veo',
    args: (port) => [FF_MAIN, '--target=mcp', `--port=${port}`],
    env: {
      K_SERVICE: 'bench',
      VEO_BACKEND: 'simulator',
      VEO_BASE_URL: simulatorUrl,
      LOCAL_BLOB_DIR: blobDir,
      LOG_LEVEL: 'error',
      // The load measures the tools, limit checks included, not refusals: at the defaults (60 calls a minute,
      // 480 s of video a day) nearly every call would be refused.
      DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '10000000',
      DAILY_VIDEO_SECONDS_TOTAL: '100000000',
      REQUESTS_PER_MINUTE_PER_PRINCIPAL: '100000',
      MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '10000',
    },
  };
  const floor: ServerSpec = {
    name: 'floor',
    args: (port) => [FF_MAIN, '--target=floor', '--source=test/bench/floor', `--port=${port}`],
    env: {},
  };
  const floorV2: ServerSpec = {
    name: 'floorV2',
    args: (port) => [FF_MAIN, '--target=floor', '--source=test/bench/floor-v2', `--port=${port}`],
    env: {},
  };
  const specs = [floor, floorV2, veo];

  // Cold starts, alternating so drift affects all alike.
  const cold: Record<ServerName, number[]> = { veo: [], floor: [], floorV2: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const spec of specs) {
      const running = await start(spec);
      cold[spec.name].push(running.coldStartMs);
      await stop(running);
    }
  }

  // Peak memory of a fresh instance under 20 concurrent tool calls (a get_video_operation with signed links on the
  // product, the echo tool on the floors), before anything else has run in it.
  const memoryPeak = {} as Record<ServerName, number>;
  for (const spec of specs) {
    const running = await start(spec);
    let body = rpc('tools/call', { name: 'echo', arguments: { text: 'hello' } });
    if (spec.name === 'veo') {
      const made = (await call(
        running.url,
        rpc('tools/call', {
          name: 'generate_video',
          arguments: { prompt: 'memory', duration_seconds: 4, wait_seconds: 10 },
        }),
      )) as { result: { structuredContent: { operation_id: string } } };
      const operationId = made.result.structuredContent.operation_id;
      body = rpc('tools/call', { name: 'get_video_operation', arguments: { operation_id: operationId } });
    }
    await load(running.url, body, MEMORY_CONNECTIONS);
    memoryPeak[spec.name] = rssKb(running.child.pid!, 'VmHWM');
    await stop(running);
  }

  const servers = { veo: await start(veo), floor: await start(floor), floorV2: await start(floorV2) };
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRss = {
    veo: rssKb(servers.veo.child.pid!, 'VmRSS'),
    floor: rssKb(servers.floor.child.pid!, 'VmRSS'),
    floorV2: rssKb(servers.floorV2.child.pid!, 'VmRSS'),
  };

  const started = (await call(
    servers.veo.url,
    rpc('tools/call', {
      name: 'generate_video',
      arguments: { prompt: 'bench', duration_seconds: 4, wait_seconds: 10 },
    }),
  )) as { result: { structuredContent: { operation_id: string; status: string } } };
  const operationId = started.result.structuredContent.operation_id;
  const echo = rpc('tools/call', { name: 'echo', arguments: { text: 'hello' } });
  // `floor` undefined: the v1 floor cannot speak that revision, and the target applies to the v2 floor.
  const scenarios: Array<{
    name: string;
    veo: string;
    floor?: string;
    floorV2: string;
    target: number;
    headers?: Record<string, string>;
  }> = [
    {
      name: 'tools/list',
      veo: rpc('tools/list'),
      floor: rpc('tools/list'),
      floorV2: rpc('tools/list'),
      target: 0.9,
    },
    {
      name: 'tools/list (2026-07-28)',
      veo: modernRpc('tools/list'),
      floorV2: modernRpc('tools/list'),
      target: 0.9,
      headers: MODERN_HEADERS,
    },
    {
      name: 'get_video_operation',
      veo: rpc('tools/call', { name: 'get_video_operation', arguments: { operation_id: operationId } }),
      floor: echo,
      floorV2: echo,
      target: 0.8,
    },
    {
      name: 'generate_video',
      veo: rpc('tools/call', { name: 'generate_video', arguments: { prompt: 'load', duration_seconds: 4 } }),
      floor: echo,
      floorV2: echo,
      target: 0,
    },
  ];
  const throughput: Array<{
    scenario: string;
    connections: number;
    veo: LoadResult;
    floor?: LoadResult;
    floorV2: LoadResult;
    target: number;
  }> = [];
  for (const scenario of scenarios) {
    for (const connections of [10, 100]) {
      const floorResult = scenario.floor
        ? await load(servers.floor.url, scenario.floor, connections, scenario.headers)
        : undefined;
      const floorV2Result = await load(servers.floorV2.url, scenario.floorV2, connections, scenario.headers);
      const veoResult = await load(servers.veo.url, scenario.veo, connections, scenario.headers);
      throughput.push({
        scenario: scenario.name,
        connections,
        veo: veoResult,
        floor: floorResult,
        floorV2: floorV2Result,
        target: scenario.target,
      });
    }
  }
  const peakRss = {
    veo: rssKb(servers.veo.child.pid!, 'VmHWM'),
    floor: rssKb(servers.floor.child.pid!, 'VmHWM'),
    floorV2: rssKb(servers.floorV2.child.pid!, 'VmHWM'),
  };
  await stop(servers.veo);
  await stop(servers.floor);
  await stop(servers.floorV2);
  await simulator.close();

  let flows: FlowMetrics[] = [];
  let pipelineLoad: PipelineLoadMetrics | undefined;
  if (!options['no-emulators']) {
    const emulators = await useEmulators();
    try {
      pipelineLoad = await measurePipelineLoad(emulators, PIPELINE_REQUESTS);
      flows = await measureCloudFlow(emulators, 60, 3);
      if (!options.quick) flows = flows.concat(await measureCloudFlow(emulators, 300, 3));
    } finally {
      await emulators.stop();
    }
  }
  const size = deployedSize();

  // Report: ratios to the v1 floor (unchanged since before the SDK v2 move) carry the targets; the v2 floor shows
  // what SDK v2 itself costs.
  const rows: string[][] = [];
  const status = (ok: boolean) => (ok ? 'met' : 'MISSED');
  /** A row measured on the product alone (no floor columns). */
  const ownRow = (metric: string, value: string, target = 'measured', state = '') =>
    rows.push([metric, value, '', '', '', '', target, state]);
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const x = (ratio: number) => `${ratio.toFixed(2)}×`;
  const coldRatio = median(cold.veo) / median(cold.floor);
  const coldCell = (name: ServerName) => `${median(cold[name]).toFixed(0)} (${spread(cold[name])})`;
  rows.push([
    'cold start: spawn → first initialize (ms)',
    coldCell('veo'),
    coldCell('floor'),
    x(coldRatio),
    coldCell('floorV2'),
    x(median(cold.veo) / median(cold.floorV2)),
    '≤ 1.0×',
    status(coldRatio <= 1.0),
  ]);
  const loadCell = (r: LoadResult) =>
    `${r.rps.toFixed(0)} (${r.p50}/${r.p99})${r.non2xx + r.errors ? ` ${r.non2xx + r.errors} failed` : ''}`;
  for (const t of throughput) {
    const ratio = t.veo.rps / (t.floor ?? t.floorV2).rps;
    rows.push([
      `${t.scenario} @${t.connections}: req/s (p50/p99 ms)`,
      loadCell(t.veo),
      t.floor ? loadCell(t.floor) : '—',
      t.floor ? x(ratio) : '—',
      loadCell(t.floorV2),
      x(t.veo.rps / t.floorV2.rps),
      t.target ? `≥ ${t.target}×${t.floor ? '' : ' (v2)'}` : 'measured',
      t.target ? status(ratio >= t.target) : '',
    ]);
  }
  const idleRatio = idleRss.veo / idleRss.floor;
  rows.push([
    'RSS idle (MB)',
    mb(idleRss.veo),
    mb(idleRss.floor),
    x(idleRatio),
    mb(idleRss.floorV2),
    x(idleRss.veo / idleRss.floorV2),
    '≤ 1.2×',
    status(idleRatio <= 1.2),
  ]);
  const deployedMb = deployedMemoryMb();
  const memoryMargin = deployedMb / (memoryPeak.veo / 1024);
  rows.push([
    `RSS peak, fresh instance, ${MEMORY_CONNECTIONS} concurrent calls (MB)`,
    mb(memoryPeak.veo),
    mb(memoryPeak.floor),
    x(memoryPeak.veo / memoryPeak.floor),
    mb(memoryPeak.floorV2),
    x(memoryPeak.veo / memoryPeak.floorV2),
    `deployed ${deployedMb.toFixed(0)} MB ≥ 2× peak`,
    `${status(memoryMargin >= 2)} (${memoryMargin.toFixed(1)}×)`,
  ]);
  rows.push([
    'RSS peak after all load tests, up to 100 connections (MB)',
    mb(peakRss.veo),
    mb(peakRss.floor),
    x(peakRss.veo / peakRss.floor),
    mb(peakRss.floorV2),
    x(peakRss.veo / peakRss.floorV2),
    'measured',
    '',
  ]);
  for (const f of flows) {
    const label = `${f.backend} ${f.generationSeconds}s generation`;
    const pollsPer10s = f.veoPollsPerVideo / (f.generationSeconds / 10);
    rows.push([
      `${label}: Veo polls / video`,
      f.veoPollsPerVideo.toFixed(1),
      '',
      `${pollsPer10s.toFixed(2)} per 10 s`,
      '',
      '',
      '≤ 1 per 10 s',
      status(pollsPer10s <= 1),
    ]);
    ownRow(
      `${label}: Firestore reads / writes per video`,
      `${f.firestoreReadsPerVideo.toFixed(1)} / ${f.firestoreWritesPerVideo.toFixed(1)}`,
    );
    ownRow(`${label}: poller invocations / video`, f.pollerInvocationsPerVideo.toFixed(1));
    const limit = f.backend === 'vertex' ? 2000 : 10_000;
    ownRow(
      `${label}: Veo done → SUCCEEDED p50/p95 (ms)`,
      `${f.completionDelayMs.p50.toFixed(0)} / ${f.completionDelayMs.p95.toFixed(0)}`,
      f.backend === 'vertex' ? '≤ 2 s (completion notice)' : '≤ 1 poll interval (10 s)',
      status(f.completionDelayMs.p95 <= limit),
    );
  }
  if (pipelineLoad) {
    const p = pipelineLoad;
    ownRow(
      `pipelines: ${p.requests} requests, ${p.deliveries} deliveries: Veo jobs / completion events published / received`,
      `${p.veoSubmits} / ${p.completionEventsPublished} / ${p.completionEventsReceived}`,
      `exactly ${p.requests} each`,
      status(p.exactlyOnce),
    );
    ownRow(
      `pipelines: ${p.requests} requests: all completed / all deliveries handled (ms)`,
      `${p.allCompletedMs} / ${p.allDeliveredMs}`,
    );
  }
  ownRow(
    'deployed size: source (gzip) / production node_modules',
    `${(size.sourceBytes / 1e6).toFixed(2)} MB (${(size.sourceGzipBytes / 1e6).toFixed(2)} MB) / ${(size.productionDependencyBytes / 1e6).toFixed(1)} MB`,
  );

  const header = [
    'metric',
    'veo-mcp-cloud',
    'floor (SDK v1)',
    'ratio',
    'floor (SDK v2)',
    'ratio to v2',
    'target',
    'status',
  ];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\nVeo MCP Cloud benchmark — ${new Date().toISOString()} — ${machine}\n`);
  console.log(table);
  mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  const json = {
    when: new Date().toISOString(),
    machine,
    runs: RUNS,
    durationSeconds: DURATION,
    cold,
    idleRss,
    memoryPeak: { connections: MEMORY_CONNECTIONS, kb: memoryPeak, deployedMb },
    peakRss,
    throughput,
    flows,
    pipelineLoad,
    size,
  };
  writeFileSync(path.join(ROOT, 'bench-results', 'latest.json'), JSON.stringify(json, null, 2));
  console.log('\nJSON: bench-results/latest.json');
}

await main();
process.exit(0);
