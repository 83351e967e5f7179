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
    // The table as prettier formats it in the README (`npm run models-table` formats the whole README, whose other
    // parts are `npm run lint`'s): formatting the table alone gives the same rows at a fraction of the cost.
    const options = { ...(await prettier.resolveConfig(README)), parser: 'markdown' };
    const table = (await prettier.format(renderModelsTable(), options)).trimEnd();
    assert.ok(
      readme === spliceModelsTable(readme, table),
      'README.md differs from the catalog: run npm run models-table',
    );
  });

  test('the table names every live and retired model, its sources and as-of date', () => {
    const table = renderModelsTable();
    for (const m of MODELS) {
      assert.ok(table.includes(`\`${m.id}\``), m.id);
      for (const s of m.sources) assert.ok(table.includes(`<${s.url.split(' ')[0]}>`), s.url);
      assert.ok(table.includes(`(${m.asOf})`), m.id);
    }
    for (const m of RETIRED_MODELS) {
      // The APIs it was retired on, the date and the replacement (the Omni preview is gone from the Gemini API only).
      assert.ok(
        table.includes(`| \`${m.id}\` | ${m.backends.join(', ')} | ${m.retiredOn} | \`${m.replacement}\``),
        m.id,
      );
    }
    assert.ok(
      table.includes('| `gemini-omni-flash-preview` | gemini | 2026-09-30 | `gemini-omni-1.2-flash` |'),
    );
    // One default per API, each marked on its own row.
    assert.ok(table.includes('| `veo-3.1-fast-generate-001` (default on vertex) | veo | vertex | GA |'));
    assert.ok(
      table.includes('| `gemini-omni-1.2-flash` (default on gemini) | omni | gemini, vertex | GA ⚠ |'),
    );
    assert.equal(table.match(/\(default on /g)?.length, 2);
  });

  test("each row shows the family, durations, resolutions in the model's order, modes and prices", () => {
    const table = renderModelsTable();
    const row = (id: string) => table.split('\n').find((line) => line.startsWith(`| \`${id}\``)) ?? '';
    assert.match(
      row('veo-3.1-generate-001'),
      /\| veo \| vertex \| GA \| 4, 6, 8 \| 720p, 1080p, 4k \| 16:9, 9:16 \| 1–4 \| text, image, first \+ last frame, ≤3 reference images, extend \(\+7 s\) \| 720p: \$0\.40 · \$0\.20<br>1080p: \$0\.40 · \$0\.20<br>4k: \$0\.60 · \$0\.60 \|/,
    );
    assert.match(
      row('veo-3.1-lite-generate-001'),
      /\| 1–4 \| text, image, first \+ last frame, extend \(\+7 s\) \|/,
    );
    assert.match(
      row('gemini-omni-1.2-flash'),
      /\| 3–15 \| 720p, 360p, 1080p, 4k \| 16:9, 9:16 \| 1–1 \| text, image, first \+ last frame, ≤6 reference images, extend \(\+3–10 s\), edit \| 360p: \$0\.023 · \$0\.023<br>720p: \$0\.07 · \$0\.07<br>/,
    );
    assert.match(
      row('gemini-omni-flash-preview'),
      /\| 3–10 \| 720p \| .* \| text, image, ≤3 reference images, edit \|/,
    );
  });

  test('a README without the markers is refused, not silently appended to', () => {
    assert.throws(() => spliceModelsTable('# README\n', 'table'), new RegExp(TABLE_START.slice(0, 20)));
    assert.equal(
      spliceModelsTable(`a\n${TABLE_START}\nold\n${TABLE_END}\nb`, 'new'),
      `a\n${TABLE_START}\n\nnew\n\n${TABLE_END}\nb`,
    );
  });
});
