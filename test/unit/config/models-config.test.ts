// Models in the configuration come from the catalog (functions/src/video/catalog.ts): a retired or unknown
// VEO_DEFAULT_MODEL, or a VEO_SUBMITS_PER_MINUTE_BY_MODEL key that is not a live model, stops startup with the
// model, its retirement date and the replacement — instead of every call without `model` failing at Veo with 404.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../functions/src/config/index.js';
import { EnvSchema } from '../../../functions/src/config/schema.js';
import {
  DEFAULT_MODELS,
  findModel,
  liveModelIds,
  RETIRED_MODELS,
  retiredMessage,
} from '../../../functions/src/video/catalog.js';
import { configProblems } from './problems.js';

const LIVE =
  'live models: veo-3.1-fast-generate-001, veo-3.1-generate-001, veo-3.1-lite-generate-001, ' +
  'gemini-omni-1.2-flash, gemini-omni-1.1-flash-preview, gemini-omni-flash-preview';
const LIVE_GEMINI = 'live models: gemini-omni-1.2-flash, gemini-omni-1.1-flash';
/** A well-formed (fake) Gemini API key: AIza and 35 more characters. */
const KEY = `AIza${'x'.repeat(35)}`;
/** An environment on each wire API: the simulator playing it (SIMULATOR_API). */
const ON = { vertex: { SIMULATOR_API: 'vertex' }, gemini: { SIMULATOR_API: 'gemini' } } as const;

describe('models in the configuration', () => {
  test('the default model is per API: Veo 3.1 Fast on Vertex AI, Omni 1.2 Flash on the Gemini API, both GA', () => {
    // Unset in the schema: the loader fills it from the catalog for the API in use.
    assert.equal(EnvSchema.shape.VEO_DEFAULT_MODEL.parse(undefined), undefined);
    assert.equal(loadConfig({}).veo.defaultModel, 'veo-3.1-fast-generate-001');
    assert.equal(loadConfig(ON.vertex).veo.defaultModel, DEFAULT_MODELS.vertex);
    assert.equal(loadConfig(ON.gemini).veo.api, 'gemini');
    assert.equal(loadConfig(ON.gemini).veo.defaultModel, 'gemini-omni-1.2-flash');
    const gemini = loadConfig({ VEO_BACKEND: 'gemini', GEMINI_API_KEY: KEY });
    assert.deepEqual(
      [gemini.veo.backend, gemini.veo.api, gemini.veo.defaultModel],
      ['gemini', 'gemini', 'gemini-omni-1.2-flash'],
    );
    for (const api of ['vertex', 'gemini'] as const) {
      const model = findModel(DEFAULT_MODELS[api]);
      assert.equal(model?.stage, 'GA', api);
      assert.ok(model?.backends.includes(api), api);
    }
    // Set explicitly, it wins.
    assert.equal(
      loadConfig({ ...ON.gemini, VEO_DEFAULT_MODEL: 'gemini-omni-1.1-flash' }).veo.defaultModel,
      'gemini-omni-1.1-flash',
    );
  });

  test('every live id is accepted on its API as VEO_DEFAULT_MODEL and as a VEO_SUBMITS_PER_MINUTE_BY_MODEL key', () => {
    for (const api of ['vertex', 'gemini'] as const) {
      for (const id of liveModelIds(api)) {
        const config = loadConfig({
          ...ON[api],
          VEO_DEFAULT_MODEL: id,
          VEO_SUBMITS_PER_MINUTE_BY_MODEL: `${id}=7`,
        });
        assert.equal(config.veo.defaultModel, id, `${id} on ${api}`);
        assert.deepEqual(config.admission.submitsPerMinuteByModel, { [id]: 7 }, `${id} on ${api}`);
      }
    }
    assert.equal(liveModelIds('vertex').length + liveModelIds('gemini').length, 8);
  });

  test('the gemini backend needs GEMINI_API_KEY, a secret that is never echoed', () => {
    assert.deepEqual(configProblems({ VEO_BACKEND: 'gemini' }), [
      'GEMINI_API_KEY: required when VEO_BACKEND=gemini (the Gemini API key; GOOGLE_API_KEY is also read). The ' +
        'Gemini API serves Gemini Omni only; Veo needs VEO_BACKEND=vertex',
    ]);
    assert.equal(loadConfig({ VEO_BACKEND: 'gemini', GEMINI_API_KEY: KEY }).veo.apiKey, KEY);
    assert.equal(loadConfig({ VEO_BACKEND: 'gemini', GOOGLE_API_KEY: KEY }).veo.apiKey, KEY);
    // Only the gemini backend holds the key.
    assert.equal(loadConfig({ GEMINI_API_KEY: KEY, VEO_BACKEND: 'simulator' }).veo.apiKey, undefined);
    // A Veo id on the Gemini API is refused at startup, not at the first call.
    const found = configProblems({
      VEO_BACKEND: 'gemini',
      GEMINI_API_KEY: KEY,
      VEO_DEFAULT_MODEL: 'veo-3.1-fast-generate-001',
    });
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, new RegExp(`^VEO_DEFAULT_MODEL: .*; ${LIVE_GEMINI}$`));
    assert.ok(!found.join('\n').includes(KEY));
  });

  test('a retired VEO_DEFAULT_MODEL is refused at startup on each API it was retired on, with date and replacement', () => {
    for (const retired of RETIRED_MODELS) {
      for (const api of retired.backends) {
        assert.deepEqual(
          configProblems({ ...ON[api], VEO_DEFAULT_MODEL: retired.id }),
          [`VEO_DEFAULT_MODEL: ${retiredMessage(retired, api)} (${api === 'vertex' ? LIVE : LIVE_GEMINI})`],
          `${retired.id} on ${api}`,
        );
      }
    }
    // The Omni preview is retired on the Gemini API only: on Vertex AI it is a live default.
    assert.equal(
      loadConfig({ ...ON.vertex, VEO_DEFAULT_MODEL: 'gemini-omni-flash-preview' }).veo.defaultModel,
      'gemini-omni-flash-preview',
    );
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

  test('a catalog id served only on the other API is refused as such, naming the live models of this one', () => {
    assert.deepEqual(configProblems({ ...ON.gemini, VEO_DEFAULT_MODEL: 'veo-3.1-fast-generate-001' }), [
      `VEO_DEFAULT_MODEL: is served on the vertex API only, not on gemini; ${LIVE_GEMINI}`,
    ]);
    assert.deepEqual(
      configProblems({ ...ON.vertex, VEO_SUBMITS_PER_MINUTE_BY_MODEL: 'gemini-omni-1.1-flash=5' }),
      [
        `VEO_SUBMITS_PER_MINUTE_BY_MODEL: names "gemini-omni-1.1-flash": is served on the gemini API only, not on ` +
          `vertex; ${LIVE}`,
      ],
    );
  });

  // Loader bugs reported to the lead (config/loader.ts); `todo` until fixed.
  test('a malformed GEMINI_API_KEY is reported once, not also as missing', () => {
    const found = configProblems({ VEO_BACKEND: 'gemini', GEMINI_API_KEY: 'not-a-key' });
    assert.deepEqual(found, [
      'GEMINI_API_KEY: must be a Google API key: AIza followed by 35 letters, digits, _ or -',
    ]);
  });

  test('a bad SIMULATOR_API is reported alone, not followed by an empty list of live models', () => {
    assert.deepEqual(configProblems({ SIMULATOR_API: 'vertex2' }), [
      'SIMULATOR_API: must be one of: vertex, gemini',
    ]);
  });
});
