// The catalog as data: live models and tombstones agree with each other, every fact has a source and a date, and a
// call naming a retired id is refused (before any spend: checkRequest runs before a record or a Veo call exists) with
// the date and the replacement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { checkRequest } from '../../../functions/src/video/check.js';
import {
  DEFAULT_MODELS,
  findModel,
  findRetired,
  liveModelIds,
  MODELS,
  RETIRED_MODELS,
  retiredMessage,
  type ModelInfo,
} from '../../../functions/src/video/catalog.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

describe('model catalog', () => {
  test('the live models: Veo 3.1 (GA ids and Lite) on vertex; Gemini Omni under its id per API', () => {
    assert.deepEqual(
      MODELS.map((m) => [m.id, m.family, m.stage, m.backends]),
      [
        ['veo-3.1-fast-generate-001', 'veo', 'GA', ['vertex']],
        ['veo-3.1-generate-001', 'veo', 'GA', ['vertex']],
        ['veo-3.1-lite-generate-001', 'veo', 'preview', ['vertex']],
        ['gemini-omni-1.2-flash', 'omni', 'GA', ['gemini', 'vertex']],
        ['gemini-omni-1.1-flash', 'omni', 'GA', ['gemini']],
        ['gemini-omni-1.1-flash-preview', 'omni', 'preview', ['vertex']],
        ['gemini-omni-flash-preview', 'omni', 'preview', ['vertex']],
      ],
    );
    assert.deepEqual(liveModelIds('vertex'), [
      'veo-3.1-fast-generate-001',
      'veo-3.1-generate-001',
      'veo-3.1-lite-generate-001',
      'gemini-omni-1.2-flash',
      'gemini-omni-1.1-flash-preview',
      'gemini-omni-flash-preview',
    ]);
    assert.deepEqual(liveModelIds('gemini'), ['gemini-omni-1.2-flash', 'gemini-omni-1.1-flash']);
    assert.deepEqual(findModel('veo-3.1-generate-001')?.resolutions, ['720p', '1080p', '4k']);
    assert.deepEqual(findModel('veo-3.1-lite-generate-001')?.resolutions, ['720p', '1080p']);
    // Omni's default resolution is 720p (listed first); 360p is offered by Omni only.
    assert.deepEqual(findModel('gemini-omni-1.2-flash')?.resolutions, ['720p', '360p', '1080p', '4k']);
    assert.deepEqual(findModel('gemini-omni-flash-preview')?.resolutions, ['720p']);
    for (const m of MODELS) {
      assert.ok(m.backends.length > 0, m.id);
      assert.equal(
        m.resolutions.includes('360p'),
        m.family === 'omni' && m.id !== 'gemini-omni-flash-preview',
        m.id,
      );
    }
  });

  test('capabilities per family: Omni makes one video with audio, edits, takes no seed or people rule', () => {
    const caps = (m: ModelInfo) => [
      m.id,
      m.audio,
      m.maxVideos,
      m.seed,
      m.personGeneration.length > 0,
      m.lastFrame,
      m.maxReferenceImages,
      m.edit,
      m.extension?.stepSeconds.join(',') ?? null,
      m.extension?.maxTotalSeconds ?? null,
      `${m.durations[0]}-${m.durations[m.durations.length - 1]}`,
    ];
    assert.deepEqual(MODELS.map(caps), [
      ['veo-3.1-fast-generate-001', 'optional', 4, true, true, true, 3, false, '7', null, '4-8'],
      ['veo-3.1-generate-001', 'optional', 4, true, true, true, 3, false, '7', null, '4-8'],
      ['veo-3.1-lite-generate-001', 'optional', 4, true, true, true, 0, false, '7', null, '4-8'],
      ['gemini-omni-1.2-flash', 'always', 1, false, false, true, 6, true, '3,4,5,6,7,8,9,10', 30, '3-15'],
      ['gemini-omni-1.1-flash', 'always', 1, false, false, true, 3, true, '3,4,5,6,7,8,9,10', 40, '3-10'],
      [
        'gemini-omni-1.1-flash-preview',
        'always',
        1,
        false,
        false,
        true,
        3,
        true,
        '3,4,5,6,7,8,9,10',
        40,
        '3-10',
      ],
      ['gemini-omni-flash-preview', 'always', 1, false, false, false, 3, true, null, null, '3-10'],
    ]);
    // Veo's durations are 4, 6, 8 (not a run); Omni's every whole second.
    assert.deepEqual(findModel('veo-3.1-fast-generate-001')?.durations, [4, 6, 8]);
    for (const m of MODELS) {
      assert.ok(m.durations.includes(m.defaultDuration), m.id);
      // Omni always makes audio: its silent price is its audio price, so no caller pays less by asking for silence.
      if (m.audio === 'always') {
        for (const p of Object.values(m.pricePerSecondUsd)) assert.equal(p!.silent, p!.audio, m.id);
      }
    }
  });

  test('the default model is per API, live and GA there', () => {
    assert.deepEqual(DEFAULT_MODELS, {
      vertex: 'veo-3.1-fast-generate-001',
      gemini: 'gemini-omni-1.2-flash',
    });
    for (const api of ['vertex', 'gemini'] as const) {
      const model = findModel(DEFAULT_MODELS[api]);
      assert.ok(model?.backends.includes(api), api);
      assert.equal(model?.stage, 'GA', api);
      assert.equal(findRetired(DEFAULT_MODELS[api], api), undefined, api);
      // A call naming no model runs on it.
      assert.equal(
        checkRequest({ prompt: 'a fox' }, api, DEFAULT_MODELS[api]).request.model,
        DEFAULT_MODELS[api],
      );
    }
  });

  test('every live model names its sources with the day each was read, and an as-of date', () => {
    for (const m of MODELS) {
      assert.match(m.asOf, DATE, m.id);
      assert.ok(m.sources.length > 0, m.id);
      for (const s of m.sources) {
        assert.match(s.url, /^https:\/\//, m.id);
        assert.match(s.read, DATE, m.id);
        assert.ok(s.backs.length > 0, m.id);
      }
      for (const u of m.uncertain) assert.match(u, /^⚠ /, m.id);
    }
  });

  test('tombstones: retired before today, not live on the API they are retired on, replaced there, with a source', () => {
    assert.deepEqual(
      RETIRED_MODELS.map((m) => [m.id, m.family, m.backends]).sort(),
      [
        ['gemini-omni-flash-preview', 'omni', ['gemini']],
        ['veo-2.0-generate-001', 'veo', ['vertex', 'gemini']],
        ['veo-3.0-fast-generate-001', 'veo', ['vertex', 'gemini']],
        ['veo-3.0-fast-generate-preview', 'veo', ['vertex', 'gemini']],
        ['veo-3.0-generate-001', 'veo', ['vertex', 'gemini']],
        ['veo-3.0-generate-preview', 'veo', ['vertex', 'gemini']],
        ['veo-3.1-fast-generate-preview', 'veo', ['vertex', 'gemini']],
        ['veo-3.1-generate-preview', 'veo', ['vertex', 'gemini']],
        ['veo-3.1-lite-generate-preview', 'veo', ['vertex', 'gemini']],
      ].sort(),
    );
    for (const m of RETIRED_MODELS) {
      assert.ok(m.backends.length > 0, m.id);
      for (const api of m.backends) assert.ok(!liveModelIds(api).includes(m.id), `${m.id} live on ${api}`);
      const replacement = findModel(m.replacement);
      assert.ok(replacement, `${m.id} → ${m.replacement}`);
      assert.equal(replacement.family, m.family, `${m.id}: replaced within its family`);
      assert.ok(
        m.backends.some((api) => replacement.backends.includes(api)),
        `${m.id} → ${m.replacement}: live on an API the id was retired on`,
      );
      assert.match(m.retiredOn, DATE);
      assert.ok(m.retiredOn < '2026-12-02', m.id);
      assert.match(m.source.url, /^https:\/\//);
      assert.match(m.source.read, DATE);
      assert.ok(m.source.backs.length > 0, m.id);
    }
    // An id may be retired on one API and live on the other: the Omni preview is gone from the Gemini API only.
    assert.equal(findRetired('gemini-omni-flash-preview', 'gemini')?.replacement, 'gemini-omni-1.2-flash');
    assert.equal(findRetired('gemini-omni-flash-preview', 'vertex'), undefined);
    assert.ok(liveModelIds('vertex').includes('gemini-omni-flash-preview'));
  });

  // The Gemini API serves no Veo at all: a Veo tombstone there names the API's own default model, and where its Veo
  // replacement lives, so the refusal never recommends a model the same API refuses.
  test('every refusal of a retired id names a model live on that API', () => {
    for (const m of RETIRED_MODELS) {
      for (const api of m.backends) {
        const message = retiredMessage(m, api);
        const named = /use (\S+) /.exec(message)![1]!;
        assert.ok(liveModelIds(api).includes(named), `${m.id} on ${api}: ${message}`);
      }
    }
  });

  test('a call naming a retired id is refused on each API it was retired on, with the date and the replacement', () => {
    for (const retired of RETIRED_MODELS) {
      for (const api of retired.backends) {
        const where = findModel(retired.id) ? ` on the ${retired.backends.join(' and ')} API` : '';
        const instead = liveModelIds(api).includes(retired.replacement)
          ? `use ${retired.replacement} instead`
          : `use ${DEFAULT_MODELS[api]} on this ${api} API instead (${retired.replacement} is served on Vertex AI only)`;
        assert.throws(
          () => checkRequest({ prompt: 'a fox', model: retired.id }, api, DEFAULT_MODELS[api], {}),
          (err: unknown) =>
            err instanceof AppError &&
            err.code === 'INVALID_ARGUMENT' &&
            err.retryable === false &&
            err.message ===
              `Invalid model: "${retired.id}". ${retired.id} was retired${where} on ${retired.retiredOn} (Google no ` +
                `longer serves it); ${instead}. Allowed: ` +
                `${liveModelIds(api)
                  .map((id) => `"${id}"`)
                  .join(', ')}.`,
          `${retired.id} on ${api}`,
        );
      }
    }
    assert.equal(findRetired('veo-3.0-fast-generate-001')?.replacement, 'veo-3.1-fast-generate-001');
    assert.throws(
      () =>
        checkRequest(
          { prompt: 'a fox', model: 'gemini-omni-flash-preview' },
          'gemini',
          'gemini-omni-1.2-flash',
        ),
      {
        message:
          'Invalid model: "gemini-omni-flash-preview". gemini-omni-flash-preview was retired on the gemini API on ' +
          '2026-09-30 (Google no longer serves it); use gemini-omni-1.2-flash instead. Allowed: ' +
          '"gemini-omni-1.2-flash", "gemini-omni-1.1-flash".',
      },
    );
    // The same id is live on Vertex AI.
    assert.equal(
      checkRequest(
        { prompt: 'a fox', model: 'gemini-omni-flash-preview' },
        'vertex',
        'veo-3.1-fast-generate-001',
      ).request.model,
      'gemini-omni-flash-preview',
    );
  });

  test('a retired default model is refused the same way (a config that bypassed startup checks)', () => {
    assert.throws(
      () => checkRequest({ prompt: 'a fox' }, 'vertex', 'veo-3.0-fast-generate-001', {}),
      /Invalid model: "veo-3\.0-fast-generate-001"\. veo-3\.0-fast-generate-001 was retired on 2026-06-30 .*use veo-3\.1-fast-generate-001 instead/,
    );
  });

  test('the Gemini API serves Omni and no Veo; each API refuses the ids of the other, naming its own', () => {
    assert.ok(liveModelIds('gemini').length > 0);
    assert.ok(liveModelIds('gemini').every((id) => findModel(id)?.family === 'omni'));
    assert.throws(() => checkRequest({ prompt: 'a fox' }, 'gemini', 'veo-3.1-fast-generate-001', {}), {
      message:
        'Invalid model: "veo-3.1-fast-generate-001". veo-3.1-fast-generate-001 is not offered on the gemini ' +
        'backend. Allowed: "gemini-omni-1.2-flash", "gemini-omni-1.1-flash".',
    });
    // Omni 1.1 has one id per API: the Gemini API's is not Vertex's.
    assert.throws(
      () =>
        checkRequest(
          { prompt: 'a fox', model: 'gemini-omni-1.1-flash' },
          'vertex',
          'veo-3.1-fast-generate-001',
        ),
      /Invalid model: "gemini-omni-1\.1-flash"\. gemini-omni-1\.1-flash is not offered on the vertex backend\. Allowed: "veo-3\.1-fast-generate-001", .*"gemini-omni-1\.1-flash-preview"/,
    );
    assert.throws(
      () =>
        checkRequest(
          { prompt: 'a fox', model: 'gemini-omni-1.1-flash-preview' },
          'gemini',
          'gemini-omni-1.2-flash',
        ),
      /is not offered on the gemini backend\. Allowed: "gemini-omni-1\.2-flash", "gemini-omni-1\.1-flash"\.$/,
    );
    assert.throws(
      () => checkRequest({ prompt: 'a fox', model: 'veo-9' }, 'gemini', 'gemini-omni-1.2-flash'),
      {
        message:
          'Invalid model: "veo-9". Allowed models on the gemini backend: "gemini-omni-1.2-flash", ' +
          '"gemini-omni-1.1-flash".',
      },
    );
    // Omni 1.2 Flash is served by both.
    for (const api of ['vertex', 'gemini'] as const) {
      const { request } = checkRequest(
        { prompt: 'a fox', model: 'gemini-omni-1.2-flash' },
        api,
        DEFAULT_MODELS[api],
      );
      assert.equal(request.model, 'gemini-omni-1.2-flash', api);
    }
  });

  test('uncertain rules are not invented: 1080p and 4K at 4 s go through on vertex', () => {
    for (const resolution of ['1080p', '4k']) {
      const { request } = checkRequest(
        { prompt: 'a fox', resolution, duration_seconds: 4 },
        'vertex',
        'veo-3.1-fast-generate-001',
        {},
      );
      assert.equal(request.resolution, resolution);
      assert.equal(request.durationSeconds, 4);
    }
  });
});
