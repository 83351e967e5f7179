// Safety filtering as Vertex reports it: filtered videos are absent from `videos`, counted in raiMediaFilteredCount,
// and explained in raiMediaFilteredReasons with Vertex's text ("… You will not be charged … Support codes:
// NNNNNNNN"); partial filtering of a multi-video request keeps the survivors, inline or written to storage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleGenAI } from '@google/genai';
import { raiFilteredReason, VeoSimulator } from '../../../functions/src/simulator/server.js';
import { readMp4 } from '../../helpers/mp4.js';
import { pollVideo, vertexClient } from '../../helpers/veo-sdk.js';

describe('Veo simulator: RAI filtering', () => {
  let simulator: VeoSimulator;
  let ai: GoogleGenAI;
  const objects = new Map<string, Buffer>();

  before(async () => {
    simulator = new VeoSimulator({
      delaySeconds: 0,
      writeObject: async (uri, bytes) => void objects.set(uri, bytes),
    });
    ai = vertexClient(await simulator.listen(0));
  });
  after(() => simulator.close());

  async function run(prompt: string, config: object) {
    const started = await ai.models.generateVideos({
      model: 'veo-3.1-generate-001',
      source: { prompt },
      config,
    });
    return (await pollVideo(ai, started.name!)).response!;
  }

  test("Vertex's reason text: the count, not charged, support code 42237218 (video safety violation)", () => {
    assert.equal(
      raiFilteredReason(2),
      'Veo could not generate 2 videos based on the prompt provided. You will not be charged for this request. ' +
        'Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 42237218',
    );
  });

  test('every video filtered: no videos, the count and the reason', async () => {
    const response = await run('a fox [sim:rai]', { numberOfVideos: 2, durationSeconds: 4 });
    assert.deepEqual(response.generatedVideos ?? [], []);
    assert.equal(response.raiMediaFilteredCount, 2);
    assert.deepEqual(response.raiMediaFilteredReasons, [raiFilteredReason(2)]);
  });

  test('one of three filtered: the two survivors come back inline, playable and of the requested shape', async () => {
    const response = await run('a fox [sim:rai-partial]', {
      numberOfVideos: 3,
      durationSeconds: 6,
      aspectRatio: '9:16',
    });
    assert.equal(response.generatedVideos!.length, 2);
    assert.equal(response.raiMediaFilteredCount, 1);
    assert.deepEqual(response.raiMediaFilteredReasons, [raiFilteredReason(1)]);
    for (const generated of response.generatedVideos!) {
      const mp4 = readMp4(Buffer.from(generated.video!.videoBytes!, 'base64'));
      assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds], [720, 1280, 6]);
    }
  });

  test('with outputs in storage only the survivors are written', async () => {
    const before = objects.size;
    const response = await run('a fox [sim:rai-partial]', {
      numberOfVideos: 2,
      outputGcsUri: 'gs://bucket/rai/',
    });
    assert.equal(response.generatedVideos!.length, 1);
    assert.match(response.generatedVideos![0]!.video!.uri!, /^gs:\/\/bucket\/rai\/\d+\/sample_0\.mp4$/);
    assert.equal(objects.size, before + 1);
    assert.equal(response.raiMediaFilteredCount, 1);
  });

  test('partial filtering of a single video filters nothing (there must be a survivor)', async () => {
    const response = await run('a fox [sim:rai-partial]', { durationSeconds: 4 });
    assert.equal(response.generatedVideos!.length, 1);
    assert.equal(response.raiMediaFilteredCount, undefined);
  });
});
