// The README's model table is generated from the catalog: this fails when README.md differs from what
// `npm run models-table` writes (the catalog changed and the table was not regenerated, or the table was hand-edited).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import * as prettier from 'prettier';
import {
  renderModelsTable,
  spliceModelsTable,
  TABLE_END,
  TABLE_START,
} from '../../../functions/src/video/models-table.js';
import { MODELS, RETIRED_MODELS } from '../../../functions/src/video/catalog.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

describe('README model table', () => {
  test('README.md holds exactly the table the catalog generates', async () => {
    const readme = readFileSync(README, 'utf8');
    const options = { ...(await prettier.resolveConfig(README)), filepath: README };
    const expected = await prettier.format(spliceModelsTable(readme, renderModelsTable()), options);
    assert.ok(readme === expected, 'README.md differs from the catalog: run npm run models-table');
  });

  test('the table names every live and retired model, its sources and as-of date', () => {
    const table = renderModelsTable();
    for (const m of MODELS) {
      assert.ok(table.includes(`\`${m.id}\``), m.id);
      for (const s of m.sources) assert.ok(table.includes(`<${s.url.split(' ')[0]}>`), s.url);
      assert.ok(table.includes(`(${m.asOf})`), m.id);
    }
    for (const m of RETIRED_MODELS) {
      assert.ok(table.includes(`| \`${m.id}\` | ${m.retiredOn} | \`${m.replacement}\``), m.id);
    }
    assert.ok(table.includes('`veo-3.1-fast-generate-001` (default)'));
  });

  test('a README without the markers is refused, not silently appended to', () => {
    assert.throws(() => spliceModelsTable('# README\n', 'table'), new RegExp(TABLE_START.slice(0, 20)));
    assert.equal(
      spliceModelsTable(`a\n${TABLE_START}\nold\n${TABLE_END}\nb`, 'new'),
      `a\n${TABLE_START}\n\nnew\n\n${TABLE_END}\nb`,
    );
  });
});
