// The catalog as data: live models and tombstones agree with each other, every fact has a source and a date, and a
// call naming a retired id is refused (before any spend: checkRequest runs before a record or a Veo call exists) with
// the date and the replacement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { checkRequest } from '../../../functions/src/video/check.js';
import {
  findModel,
  findRetired,
  MODELS,
  RETIRED_MODELS,
} from '../../../functions/src/video/catalog.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

describe('model catalog', () => {
  test('the live models are the Veo 3.1 GA ids and Lite, on vertex only', () => {
    assert.deepEqual(
      MODELS.map((m) => [m.id, m.stage, m.backends]),
      [
        ['veo-3.1-fast-generate-001', 'GA', ['vertex']],
        ['veo-3.1-generate-001', 'GA', ['vertex']],
        ['veo-3.1-lite-generate-001', 'preview', ['vertex']],
      ],
    );
    assert.deepEqual(findModel('veo-3.1-generate-001')?.resolutions, ['720p', '1080p', '4k']);
    assert.deepEqual(findModel('veo-3.1-lite-generate-001')?.resolutions, ['720p', '1080p']);
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

  test('tombstones: retired before today, never live, each replaced by a live model, with a source', () => {
    assert.deepEqual(RETIRED_MODELS.map((m) => m.id).sort(), [
      'veo-2.0-generate-001',
      'veo-3.0-fast-generate-001',
      'veo-3.0-fast-generate-preview',
      'veo-3.0-generate-001',
      'veo-3.0-generate-preview',
      'veo-3.1-fast-generate-preview',
      'veo-3.1-generate-preview',
      'veo-3.1-lite-generate-preview',
    ]);
    for (const m of RETIRED_MODELS) {
      assert.equal(findModel(m.id), undefined, m.id);
      assert.ok(findModel(m.replacement), `${m.id} → ${m.replacement}`);
      assert.match(m.retiredOn, DATE);
      assert.ok(m.retiredOn < '2026-12-02', m.id);
      assert.match(m.source.url, /^https:\/\//);
    }
  });

  test('a call naming a retired id is refused with the date and the replacement', () => {
    for (const retired of RETIRED_MODELS) {
      assert.throws(
        () =>
          checkRequest({ prompt: 'a fox', model: retired.id }, 'vertex', 'veo-3.1-fast-generate-001', {}),
        (err: unknown) =>
          err instanceof AppError &&
          err.code === 'INVALID_ARGUMENT' &&
          err.retryable === false &&
          err.message ===
            `Invalid model: "${retired.id}". ${retired.id} was retired on ${retired.retiredOn} (Google no longer ` +
              `serves it); use ${retired.replacement} instead. Allowed: "veo-3.1-fast-generate-001", ` +
              '"veo-3.1-generate-001", "veo-3.1-lite-generate-001".',
        retired.id,
      );
    }
    assert.equal(findRetired('veo-3.0-fast-generate-001')?.replacement, 'veo-3.1-fast-generate-001');
  });

  test('a retired default model is refused the same way (a config that bypassed startup checks)', () => {
    assert.throws(
      () => checkRequest({ prompt: 'a fox' }, 'vertex', 'veo-3.0-fast-generate-001', {}),
      /Invalid model: "veo-3\.0-fast-generate-001"\. veo-3\.0-fast-generate-001 was retired on 2026-06-30 .*use veo-3\.1-fast-generate-001 instead/,
    );
  });

  test('no live model is offered on the Gemini API', () => {
    assert.throws(
      () => checkRequest({ prompt: 'a fox' }, 'gemini', 'veo-3.1-fast-generate-001', {}),
      /Invalid model: "veo-3\.1-fast-generate-001"\. veo-3\.1-fast-generate-001 is not offered on the gemini backend\. Allowed: \./,
    );
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
