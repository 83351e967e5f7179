// The list-price estimate every operation records (estimatedCostUsd): the catalog's price per second for the
// resolution, with or without audio, × duration × number of videos. Prices are the catalog's (third-party figures,
// marked ⚠ there and in the README's model table): 720p and 1080p share a price on the standard and Fast models, 4K
// costs more, Lite prices 1080p above 720p.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { DEFAULT_MODELS, MODELS, RESOLUTIONS } from '../../../functions/src/video/catalog.js';
import { checkRequest } from '../../../functions/src/video/check.js';

const cost = (args: Parameters<typeof checkRequest>[0]) =>
  checkRequest({ prompt: 'a fox', ...args }, 'vertex', 'veo-3.1-fast-generate-001', {}).estimatedCostUsd;

describe('estimated cost', () => {
  test('audio is priced as audio, silence as silence', () => {
    assert.equal(cost({ model: 'veo-3.1-generate-001', duration_seconds: 8 }), 3.2, '8 s × $0.40 (audio)');
    assert.equal(cost({ model: 'veo-3.1-generate-001', duration_seconds: 8, generate_audio: false }), 1.6);
    assert.equal(cost({ duration_seconds: 4 }), 0.6, 'default model: 4 s × $0.15');
    assert.equal(cost({ duration_seconds: 4, generate_audio: false }), 0.4, '4 s × $0.10');
  });

  test('several videos multiply the cost', () => {
    assert.equal(cost({ duration_seconds: 6, number_of_videos: 4 }), 3.6, '4 × 6 s × $0.15');
    assert.equal(cost({ model: 'veo-3.1-lite-generate-001', duration_seconds: 4, number_of_videos: 2 }), 0.4);
  });

  test('1080p costs what 720p costs on the standard and Fast models', () => {
    for (const model of ['veo-3.1-generate-001', 'veo-3.1-fast-generate-001']) {
      const at = (resolution: string) => cost({ model, duration_seconds: 8, resolution });
      assert.equal(at('1080p'), at('720p'), model);
    }
  });

  test('4K is priced at the 4K rate, with and without audio', () => {
    assert.equal(
      cost({ model: 'veo-3.1-generate-001', duration_seconds: 8, resolution: '4k' }),
      4.8,
      '8 s × $0.60',
    );
    assert.equal(cost({ duration_seconds: 8, resolution: '4k' }), 2.8, 'Fast: 8 s × $0.35');
    // No video-only 4K price is known (⚠ in the catalog): the audio price, so a reservation is never too small.
    assert.equal(cost({ duration_seconds: 8, resolution: '4k', generate_audio: false }), 2.8);
    assert.equal(
      cost({ model: 'veo-3.1-generate-001', duration_seconds: 4, resolution: '4k', number_of_videos: 4 }),
      9.6,
      '4 × 4 s × $0.60',
    );
  });

  test('Lite prices 1080p above 720p and offers no 4K', () => {
    const lite = (resolution: string) =>
      cost({ model: 'veo-3.1-lite-generate-001', duration_seconds: 8, resolution });
    assert.equal(lite('720p'), 0.4, '8 s × $0.05');
    assert.equal(lite('1080p'), 0.64, '8 s × $0.08');
    assert.throws(
      () => lite('4k'),
      (err: unknown) =>
        err instanceof AppError &&
        err.code === 'INVALID_ARGUMENT' &&
        err.message ===
          'Invalid resolution: "4k". veo-3.1-lite-generate-001 on vertex allows "720p", "1080p".',
    );
  });

  test('every resolution a model offers has a price, and only those', () => {
    for (const model of MODELS) {
      // model.resolutions is in the model's own order (its default first: 720p on Omni, ahead of 360p), so the
      // priced resolutions are compared as sets; each entry is a known resolution and appears once.
      const priced = RESOLUTIONS.filter((r) => model.pricePerSecondUsd[r]);
      assert.deepEqual(
        priced,
        [...RESOLUTIONS].filter((r) => model.resolutions.includes(r)),
        model.id,
      );
      assert.equal(new Set(model.resolutions).size, model.resolutions.length, model.id);
      assert.equal(Object.keys(model.pricePerSecondUsd).length, model.resolutions.length, model.id);
      for (const r of priced) {
        const { audio, silent } = model.pricePerSecondUsd[r]!;
        assert.ok(audio > 0 && silent > 0 && silent <= audio, `${model.id} ${r}`);
      }
    }
  });

  test('Omni: one price per resolution whatever generate_audio says (it always makes audio), one video a turn', () => {
    const omni = (api: 'vertex' | 'gemini', args: Parameters<typeof checkRequest>[0]) =>
      checkRequest({ prompt: 'a fox', ...args }, api, DEFAULT_MODELS[api], {}).estimatedCostUsd;
    for (const api of ['vertex', 'gemini'] as const) {
      assert.equal(omni(api, { model: 'gemini-omni-1.2-flash' }), 0.56, `${api}: default 720p, 8 s × $0.07`);
      assert.equal(
        omni(api, { model: 'gemini-omni-1.2-flash', resolution: '360p', duration_seconds: 10 }),
        0.23,
      );
      assert.equal(
        omni(api, { model: 'gemini-omni-1.2-flash', resolution: '4k', duration_seconds: 15 }),
        3.14,
      );
      assert.equal(
        omni(api, { model: 'gemini-omni-1.2-flash', resolution: '1080p', duration_seconds: 3 }),
        0.31,
      );
    }
    assert.equal(omni('gemini', { model: 'gemini-omni-1.1-flash', duration_seconds: 10 }), 1, '10 s × $0.10');
    assert.equal(
      omni('vertex', { model: 'gemini-omni-1.1-flash-preview', resolution: '4k' }),
      2.4,
      '8 s × $0.30',
    );
    assert.equal(
      omni('vertex', { model: 'gemini-omni-flash-preview', duration_seconds: 5 }),
      0.5,
      '5 s × $0.10',
    );
    // The default on the Gemini API is Omni 1.2 Flash at 720p and 8 s.
    assert.equal(omni('gemini', {}), 0.56);
  });
});
