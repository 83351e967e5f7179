// Models in the configuration come from the catalog (functions/src/video/catalog.ts): a retired or unknown
// VEO_DEFAULT_MODEL, or a VEO_SUBMITS_PER_MINUTE_BY_MODEL key that is not a live model, stops startup with the
// model, its retirement date and the replacement — instead of every call without `model` failing at Veo with 404.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../functions/src/config/index.js';
import {
  DEFAULT_MODELS,
  findModel,
  liveModelIds,
  RETIRED_MODELS,
  retiredMessage,
} from '../../../functions/src/video/catalog.js';
import { configProblems } from './problems.js';

const LIVE =
  'live models: veo-3.1-fast-generate-001, veo-3.1-generate-001, veo-3.1-lite-generate-001, gemini-omni-1.2-flash, ' +
  'gemini-omni-1.1-flash-preview, gemini-omni-flash-preview';

describe('models in the configuration', () => {
  test('the default model is per API: Veo 3.1 Fast on vertex, Omni 1.2 Flash on gemini, both live and GA there', () => {
    assert.deepEqual(DEFAULT_MODELS, { vertex: 'veo-3.1-fast-generate-001', gemini: 'gemini-omni-1.2-flash' });
    assert.equal(loadConfig({}).veo.defaultModel, DEFAULT_MODELS.vertex);
    assert.equal(loadConfig({ SIMULATOR_API: 'gemini' }).veo.defaultModel, DEFAULT_MODELS.gemini);
    for (const [api, id] of Object.entries(DEFAULT_MODELS)) {
      const model = findModel(id);
      assert.equal(model?.stage, 'GA');
      assert.ok(model?.backends.includes(api as 'vertex' | 'gemini'), `${id} is served on ${api}`);
    }
  });

  test('every live id is accepted as VEO_DEFAULT_MODEL and as a VEO_SUBMITS_PER_MINUTE_BY_MODEL key', () => {
    for (const id of liveModelIds('vertex')) {
      const config = loadConfig({ VEO_DEFAULT_MODEL: id, VEO_SUBMITS_PER_MINUTE_BY_MODEL: `${id}=7` });
      assert.equal(config.veo.defaultModel, id);
      assert.deepEqual(config.admission.submitsPerMinuteByModel, { [id]: 7 });
    }
  });

  test('a retired VEO_DEFAULT_MODEL is refused at startup naming its retirement date and replacement', () => {
    for (const retired of RETIRED_MODELS.filter((m) => m.backends.includes('vertex'))) {
      assert.deepEqual(
        configProblems({ VEO_DEFAULT_MODEL: retired.id }),
        [`VEO_DEFAULT_MODEL: ${retiredMessage(retired)} (${LIVE})`],
        retired.id,
      );
    }
    // On the Gemini API, the Omni preview is retired (it lives on on Vertex AI).
    assert.deepEqual(configProblems({ SIMULATOR_API: 'gemini', VEO_DEFAULT_MODEL: 'gemini-omni-flash-preview' }), [
      'VEO_DEFAULT_MODEL: gemini-omni-flash-preview was retired on the gemini API on 2026-09-30 (Google no longer ' +
        'serves it); use gemini-omni-1.2-flash instead. (live models: gemini-omni-1.2-flash, gemini-omni-1.1-flash)',
    ]);
  });

  test('the old default veo-3.0-fast-generate-001 names veo-3.1-fast-generate-001', () => {
    assert.deepEqual(configProblems({ VEO_DEFAULT_MODEL: 'veo-3.0-fast-generate-001' }), [
      'VEO_DEFAULT_MODEL: veo-3.0-fast-generate-001 was retired on 2026-06-30 (Google no longer serves it); ' +
        `use veo-3.1-fast-generate-001 instead. (${LIVE})`,
    ]);
  });

  test('an unknown VEO_DEFAULT_MODEL is refused with the live models', () => {
    assert.deepEqual(configProblems({ VEO_DEFAULT_MODEL: 'veo-4.0-generate-001' }), [
      `VEO_DEFAULT_MODEL: is not a model in the catalog; ${LIVE}`,
    ]);
  });

  test('VEO_SUBMITS_PER_MINUTE_BY_MODEL keys must be live: a retired key would pace nothing', () => {
    assert.deepEqual(
      configProblems({
        VEO_SUBMITS_PER_MINUTE_BY_MODEL: 'veo-3.0-fast-generate-001=50,veo-3.1-generate-001=50,veo-9=5',
      }),
      [
        'VEO_SUBMITS_PER_MINUTE_BY_MODEL: names "veo-3.0-fast-generate-001": veo-3.0-fast-generate-001 was retired ' +
          `on 2026-06-30 (Google no longer serves it); use veo-3.1-fast-generate-001 instead. (${LIVE})`,
        `VEO_SUBMITS_PER_MINUTE_BY_MODEL: names "veo-9": is not a model in the catalog; ${LIVE}`,
      ],
    );
  });

  test('a bad model is reported with every other problem at once', () => {
    const found = configProblems({
      VEO_DEFAULT_MODEL: 'veo-2.0-generate-001',
      VEO_SUBMITS_PER_MINUTE_BY_MODEL: 'veo-3.1-generate-preview=5',
      PORT: '0',
    });
    assert.equal(found.length, 3, found.join('\n'));
    assert.match(found.join('\n'), /^PORT: /m);
    assert.match(found.join('\n'), /VEO_DEFAULT_MODEL: veo-2\.0-generate-001 was retired on 2026-06-30/);
    assert.match(
      found.join('\n'),
      /veo-3\.1-generate-preview was retired on 2026-04-02 .*use veo-3\.1-generate-001/,
    );
  });
});
