// `npm run test:repeat -- N FILE...`: runs `node --import ./test/ts-loader.mjs --test FILE...` N times in a row, each
// run on its own (an emulator file starts its own emulators every time), and stops at the first failing run. A flaky
// test is a bug: this is how to show one is not, e.g. `npm run test:repeat -- 20 test/emulator/pipelines.test.ts`.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const [count, ...files] = process.argv.slice(2);
const runs = Number(count);
if (!Number.isInteger(runs) || runs < 1 || files.length === 0) {
  console.error('Usage: npm run test:repeat -- N FILE... (e.g. 20 test/emulator/pipelines.test.ts)');
  process.exit(2);
}
const seconds = [];
for (let run = 1; run <= runs; run++) {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ['--import', './test/ts-loader.mjs', '--test', ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  seconds.push((performance.now() - t0) / 1000);
  const summary = /^ℹ pass \d+$|^ℹ fail \d+$/gm;
  console.log(
    `run ${run}/${runs}: ${seconds.at(-1).toFixed(1)} s, ${result.stdout.match(summary)?.join(', ')}`,
  );
  if (result.status !== 0) {
    console.log(result.stdout);
    console.error(`run ${run}/${runs} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  `${runs}/${runs} runs passed; ${sorted[0].toFixed(1)}–${sorted.at(-1).toFixed(1)} s, median ` +
    `${sorted[Math.floor(runs / 2)].toFixed(1)} s.`,
);
