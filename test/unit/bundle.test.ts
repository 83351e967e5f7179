// The deployed bundle (dist/bundle/index.js, made by scripts/bundle.mjs in `npm run bundle`, which `npm test` runs
// for its files) ships no test seams: the Veo simulator (fault injection, counters, completion hooks) is bundled on
// its own and loaded only when a local run asks for the embedded simulator, and the Firestore adapter counts nothing
// (the benchmarks count from outside). That a bundle started without credentials still runs the embedded simulator
// is checked on a real process in test/e2e/processes.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { FAULTS } from '../../functions/src/simulator/server.js';
import { builtForThisRun } from '../helpers/run-setup.js';

const root = new URL('../../', import.meta.url).pathname;
const bundleFile = path.join(root, 'dist', 'bundle', 'index.js');
const metaFile = path.join(root, 'dist', 'bundle-meta.json');

interface Output {
  inputs: Record<string, unknown>;
  imports: Array<{ path: string; kind: string; external?: boolean }>;
}

function read(file: string): string {
  assert.ok(existsSync(file), `${path.relative(root, file)} is missing: run npm run build`);
  return readFileSync(file, 'utf8');
}

describe('the deployed bundle', () => {
  before(() => builtForThisRun('bundle'));

  test('contains no simulator source and imports the simulator, bundled on its own, only lazily', () => {
    const { outputs } = JSON.parse(read(metaFile)) as { outputs: Record<string, Output> };
    const deployed = outputs['dist/bundle/index.js']!;
    assert.ok(Object.keys(deployed.inputs).includes('functions/src/runtime.ts'), 'the metafile describes it');
    const inside = Object.keys(deployed.inputs).filter((input) =>
      input.startsWith('functions/src/simulator/'),
    );
    assert.deepEqual(inside, [], 'simulator sources bundled');
    const simulatorImports = deployed.imports.filter((i) => /simulator/.test(i.path));
    assert.deepEqual(simulatorImports, [{ path: './simulator.js', kind: 'dynamic-import', external: true }]);
    const simulator = outputs['dist/bundle/simulator.js'];
    assert.ok(simulator, 'the simulator has its own bundle, where the import points');
    assert.ok(Object.keys(simulator.inputs).includes('functions/src/simulator/server.ts'));
  });

  test("carries none of the simulator's fault tables or test hooks, nor store counters", () => {
    const bundle = read(bundleFile);
    const markers = [
      ...FAULTS.filter((fault) => fault.includes('-')), // the others are ordinary words
      '[sim:',
      '/simulator/stats',
      'doneAt',
      'faultSpent',
      'VeoSimulator = class',
      'stats.reads',
      'stats.writes',
      'stats.submits',
    ];
    const shipped = markers.filter((marker) => bundle.includes(marker));
    assert.deepEqual(shipped, [], 'test-only names found in dist/bundle/index.js');
  });
});
