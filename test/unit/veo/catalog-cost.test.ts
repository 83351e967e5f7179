// The list-price estimate every operation records (estimatedCostUsd): the catalog's price per second, with or
// without audio, × duration × number of videos. 720p and 1080p share a price in the catalog (and in the price notes
// of shared/research/video-models-2026-12.md); no 4K is offered, so no 4K price applies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRequest } from '../../../functions/src/veo/catalog.js';

const cost = (args: Parameters<typeof checkRequest>[0]) =>
  checkRequest({ prompt: 'a fox', ...args }, 'vertex', 'veo-3.0-fast-generate-001', false).estimatedCostUsd;

describe('estimated cost', () => {
  test('audio is priced as audio, silence as silence', () => {
    assert.equal(
      cost({ model: 'veo-3.1-generate-preview', duration_seconds: 8 }),
      3.2,
      '8 s × $0.40 (audio)',
    );
    assert.equal(
      cost({ model: 'veo-3.1-generate-preview', duration_seconds: 8, generate_audio: false }),
      1.6,
    );
    assert.equal(cost({ model: 'veo-3.0-fast-generate-001', duration_seconds: 4 }), 0.6, '4 s × $0.15');
    assert.equal(
      cost({ model: 'veo-3.0-fast-generate-001', duration_seconds: 4, generate_audio: false }),
      0.4,
    );
  });

  test('several videos multiply the cost', () => {
    assert.equal(
      cost({ model: 'veo-3.1-fast-generate-preview', duration_seconds: 6, number_of_videos: 4 }),
      3.6,
    );
    assert.equal(cost({ model: 'veo-2.0-generate-001', duration_seconds: 5, number_of_videos: 2 }), 5);
  });

  test('1080p costs what 720p costs', () => {
    const at = (resolution: string) =>
      cost({ model: 'veo-3.1-generate-preview', duration_seconds: 8, resolution });
    assert.equal(at('1080p'), at('720p'));
  });
});
