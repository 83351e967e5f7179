// The simulator's videos are what they report: every aspect ratio, resolution and duration the catalog offers comes
// back through the real SDK as an MP4 that parses, at Veo's frame size, 24 fps and the requested length; an extension
// comes back as the whole extended video (input + 7 s) in its input's size.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleGenAI } from '@google/genai';
import { MODELS } from '../../../functions/src/video/catalog.js';
import { makeVideo } from '../../../functions/src/simulator/assets.js';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';
import { readMp4 } from '../../helpers/mp4.js';
import { pollVideo, vertexClient } from '../../helpers/veo-sdk.js';

const SIZES: Record<string, [number, number]> = {
  '720p': [1280, 720],
  '1080p': [1920, 1080],
  '4k': [3840, 2160],
};

function expectedSize(aspectRatio: string, resolution: string): { width: number; height: number } {
  const [long, short] = SIZES[resolution]!;
  return aspectRatio === '16:9' ? { width: long, height: short } : { width: short, height: long };
}

describe('Veo simulator videos', () => {
  let simulator: VeoSimulator;
  let ai: GoogleGenAI;

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 0 });
    ai = vertexClient(await simulator.listen(0));
  });
  after(() => simulator.close());

  async function generate(
    model: string,
    config: Record<string, unknown>,
    source: object = { prompt: 'a dog' },
  ) {
    const started = await ai.models.generateVideos({ model, source, config });
    const done = await pollVideo(ai, started.name!);
    assert.equal(done.error, undefined, JSON.stringify(done.error));
    return done.response!.generatedVideos!.map((v) => Buffer.from(v.video!.videoBytes!, 'base64'));
  }

  // The Veo models (Omni is served by the Interactions API, not predictLongRunning).
  for (const model of MODELS.filter((m) => m.family === 'veo' && m.backends.includes('vertex'))) {
    test(`${model.id}: every aspect ratio × resolution × duration the catalog offers is an MP4 of that shape at 24 fps`, async () => {
      for (const aspectRatio of model.aspectRatios) {
        for (const resolution of model.resolutions) {
          for (const durationSeconds of model.durations) {
            const [bytes] = await generate(model.id, { aspectRatio, resolution, durationSeconds });
            const mp4 = readMp4(bytes!);
            const what = `${aspectRatio} ${resolution} ${durationSeconds} s`;
            assert.deepEqual(
              { width: mp4.width, height: mp4.height },
              expectedSize(aspectRatio, resolution),
              what,
            );
            assert.equal(mp4.durationSeconds, durationSeconds, what);
            assert.equal(mp4.frames, durationSeconds * 24, what);
            assert.equal(mp4.fps, 24, what);
            assert.equal(mp4.audioSeconds, durationSeconds, `${what}: audio as long as the picture`);
            assert.match(mp4.mime, /^video\/mp4; codecs="avc1\./, what);
          }
        }
      }
    });
  }

  test('without aspect ratio, resolution and duration Vertex makes 16:9 720p 8 s', async () => {
    const [bytes] = await generate('veo-3.1-fast-generate-001', {});
    const mp4 = readMp4(bytes!);
    assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds, mp4.fps], [1280, 720, 8, 24]);
  });

  test('generateAudio false makes a video without an audio track; true (the default) one with silence', async () => {
    const [silent] = await generate('veo-3.1-fast-generate-001', {
      generateAudio: false,
      durationSeconds: 4,
    });
    assert.equal(readMp4(silent!).audioSeconds, undefined);
    assert.doesNotMatch(readMp4(silent!).mime, /mp4a/);
    const [sound] = await generate('veo-3.1-fast-generate-001', { generateAudio: true, durationSeconds: 4 });
    assert.equal(readMp4(sound!).audioSeconds, 4);
    assert.match(readMp4(sound!).mime, /mp4a\.40\.2/);
  });

  test('numberOfVideos 4 gives four playable videos of the requested shape', async () => {
    const videos = await generate('veo-3.1-generate-001', {
      numberOfVideos: 4,
      aspectRatio: '9:16',
      resolution: '1080p',
      durationSeconds: 4,
    });
    assert.equal(videos.length, 4);
    for (const bytes of videos) {
      const mp4 = readMp4(bytes);
      assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds], [1080, 1920, 4]);
    }
  });

  test('an extension returns the whole video, input + 7 s, in the input size; chains grow by 7 s a step', async () => {
    let input = makeVideo('9:16', '1080p', 8 * 24);
    for (const expected of [15, 22, 29]) {
      const [bytes] = await generate(
        'veo-3.1-generate-001',
        { aspectRatio: '9:16', durationSeconds: 7 },
        { prompt: 'and then', video: { videoBytes: input.toString('base64'), mimeType: 'video/mp4' } },
      );
      const mp4 = readMp4(bytes!);
      assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds, mp4.fps], [1080, 1920, expected, 24]);
      assert.equal(mp4.audioSeconds, expected);
      input = bytes!;
    }
  });

  test('an extension of an input that is not a whole number of seconds keeps its frames and adds 168', async () => {
    const input = makeVideo('16:9', '720p', 5 * 24 + 7);
    const [bytes] = await generate(
      'veo-3.1-lite-generate-001',
      { durationSeconds: 7, aspectRatio: '16:9', generateAudio: false },
      { video: { videoBytes: input.toString('base64'), mimeType: 'video/mp4' } },
    );
    const mp4 = readMp4(bytes!);
    assert.equal(mp4.frames, 5 * 24 + 7 + 7 * 24);
    assert.deepEqual([mp4.width, mp4.height], [1280, 720]);
    assert.equal(mp4.audioSeconds, undefined);
  });

  test('an extension of a gs:// video the simulator wrote works without a GCS reader', async () => {
    const objects = new Map<string, Buffer>();
    const writer = new VeoSimulator({
      delaySeconds: 0,
      writeObject: async (uri, bytes) => void objects.set(uri, bytes),
    });
    try {
      const client = vertexClient(await writer.listen(0));
      const first = await client.models.generateVideos({
        model: 'veo-3.1-generate-001',
        source: { prompt: 'a dog' },
        config: { durationSeconds: 6, resolution: '4k', outputGcsUri: 'gs://bucket/out/' },
      });
      const uri = (await pollVideo(client, first.name!)).response!.generatedVideos![0]!.video!.uri!;
      assert.deepEqual(readMp4(objects.get(uri)!).durationSeconds, 6);
      const second = await client.models.generateVideos({
        model: 'veo-3.1-generate-001',
        source: { video: { uri, mimeType: 'video/mp4' } },
        config: { durationSeconds: 7, aspectRatio: '16:9', outputGcsUri: 'gs://bucket/out/' },
      });
      const extended = (await pollVideo(client, second.name!)).response!.generatedVideos![0]!.video!.uri!;
      const mp4 = readMp4(objects.get(extended)!);
      assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds], [3840, 2160, 13]);
    } finally {
      await writer.close();
    }
  });
});
