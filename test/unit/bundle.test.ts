// The deployed bundle (dist/bundle/index.js, made by scripts/bundle.mjs in `npm run build`, which `npm test` runs for
// its files) ships no test seams: the Veo simulator (fault injection, counters, completion hooks) stays out and is
// loaded from the compiled sources only when a local run asks for the embedded simulator, and the Firestore adapter
// counts nothing (the benchmarks count from outside). That a bundle started without credentials still runs the
// embedded simulator is checked on a real process in test/e2e/processes.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { FAULTS } from '../../functions/src/simulator/server.js';
import { builtForThisRun } from '../helpers/run-setup.js';

const root = new URL('../../', import.meta.url).pathname;
const bundleFile = path.join(root, 'dist', 'bundle', 'index.js');
const metaFile = path.join(root, 'dist', 'bundle-meta.json');

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

function read(file: string): string {
  assert.ok(existsSync(file), `${path.relative(root, file)} is missing: run npm run build`);
  return readFileSync(file, 'utf8');
}

describe('the deployed bundle', () => {
  before(builtForThisRun);

  test('contains no simulator source and imports the simulator from the compiled sources', () => {
    const meta = JSON.parse(read(metaFile)) as Metafile;
    const inside = Object.keys(meta.inputs).filter((input) => input.startsWith('functions/src/simulator/'));
    assert.deepEqual(inside, [], 'simulator sources bundled');
    assert.ok(
      Object.keys(meta.inputs).includes('functions/src/runtime.ts'),
      'the metafile describes this bundle',
    );
    const simulatorImports = meta.outputs['dist/bundle/index.js']!.imports.filter((i) =>
      /simulator/.test(i.path),
    );
    assert.deepEqual(simulatorImports, [
      { path: '../functions/src/simulator/server.js', kind: 'dynamic-import', external: true },
    ]);
    const target = path.join(root, 'dist', 'bundle', simulatorImports[0]!.path);
    assert.ok(existsSync(target), `the bundle's simulator import resolves to ${path.relative(root, target)}`);
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
