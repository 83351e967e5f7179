// CPU instructions per tools/list request, counted by valgrind's callgrind: unlike req/s, the count does not move
// with whatever else the machine is doing, so two builds can be compared on a busy 2-core machine. Used to compare
// this checkout with an older one (e.g. the SDK v1 build, commit 42bfb0f, in a worktree with its own `npm ci` and
// `npm run build`):
//   node --import tsx test/bench/instructions.ts [--requests 100] [--warmup 200] [--era 2025|2026] DIR[=TARGET[:SOURCE]] ...
// DIR is a built checkout; TARGET defaults to `mcp`; `.=floor:test/bench/floor` measures the SDK v1 floor.
// Each server runs under callgrind with V8 on one thread (--single-threaded: no background compiler or GC threads),
// answers `--warmup` requests (JIT tiering), has its counters zeroed, answers `--requests` sequential requests and is
// dumped: instructions / requests is the figure. Garbage collection lands in some windows and not others, so repeat a
// measurement and compare medians. Needs valgrind (on every machine kind here); takes ~2-3 minutes per server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TestIssuer } from '../helpers/id-tokens.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '200' },
    era: { type: 'string', default: '2025' },
  },
});
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);
const MODERN = values.era === '2026';

/** What Cloud Run hands the container after its IAM check (auth/id-token.ts); older builds read it unverified. */
const PLATFORM_VERIFIED_TOKEN = TestIssuer.platformVerified('bench@example.com');
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': MODERN ? '2026-07-28' : '2025-06-18',
  'x-serverless-authorization': `Bearer ${PLATFORM_VERIFIED_TOKEN}`,
  ...(MODERN ? { 'mcp-method': 'tools/list' } : {}),
};
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/list',
  ...(MODERN ? { params: { _meta: META } } : {}),
});

/** One tools/list; a keep-alive socket the slowed-down server closed meanwhile is retried once on a new one. */
async function send(port: number): Promise<Response> {
  const request = () =>
    fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: HEADERS, body: BODY });
  try {
    return await request();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    return request();
  }
}

async function measure(spec: string) {
  const [dir, targetSpec = 'mcp'] = spec.split('=');
  const [target, source] = targetSpec.split(':');
  const cwd = path.resolve(dir);
  const work = mkdtempSync(path.join(tmpdir(), 'instructions-'));
  const out = path.join(work, 'callgrind.out');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    process.execPath,
    '--single-threaded',
    path.join(cwd, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
    `--target=${target}`,
    `--port=${port}`,
    ...(source ? [`--source=${source}`] : []),
  ];
  // The deployed shape (K_SERVICE: lazy start, cloud defaults) with memory store and local blobs; no Veo call is made.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    K_SERVICE: 'bench',
    VEO_BACKEND: 'simulator',
    VEO_BASE_URL: 'http://127.0.0.1:9',
    LOCAL_BLOB_DIR: path.join(work, 'blobs'),
    LOG_LEVEL: 'error',
  };
  const child = spawn('valgrind', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('Serving function')) resolve();
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) =>
      reject(new Error(`${spec} exited (${code}) before serving:\n${output.slice(-2000)}`)),
    );
  });
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    if (i === WARMUP) execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    const res = await send(port);
    const text = await res.text();
    if (!text.includes('"tools"'))
      throw new Error(`${spec}: tools/list answered ${res.status}: ${text.slice(0, 300)}`);
  }
  execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  const dump = readFileSync(`${out}.1`, 'utf8');
  rmSync(work, { recursive: true, force: true });
  const total = Number(/^(?:summary|totals): (\d+)/m.exec(dump)?.[1]);
  return {
    server: spec,
    era: values.era,
    requests: REQUESTS,
    instructionsPerRequest: Math.round(total / REQUESTS),
  };
}

for (const spec of positionals.length ? positionals : ['.']) console.log(JSON.stringify(await measure(spec)));
