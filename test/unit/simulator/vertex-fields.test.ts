// Every field @google/genai 3.3.0 sends for Veo 3.1 on Vertex reaches the simulator as Vertex would receive it, and
// the simulator accepts every mode: text, first frame (bytes or gs://), first + last frame, asset references and
// extension (bytes or gs://). `simulator.requests` keeps each body as it arrived.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VideoCompressionQuality, type GoogleGenAI } from '@google/genai';
import { makeVideo } from '../../../functions/src/simulator/assets.js';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';
import { readMp4 } from '../../helpers/mp4.js';
import { pollVideo, vertexClient } from '../../helpers/veo-sdk.js';

/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const png = { imageBytes: PNG, mimeType: 'image/png' };

describe('Veo simulator: the Vertex wire fields', () => {
  let simulator: VeoSimulator;
  let ai: GoogleGenAI;
  const objects = new Map<string, Buffer>();

  before(async () => {
    simulator = new VeoSimulator({
      delaySeconds: 0,
      writeObject: async (uri, bytes) => void objects.set(uri, bytes),
      readObject: async (uri) => {
        const bytes = objects.get(uri);
        if (!bytes) throw new Error(`No such object: ${uri}`);
        return bytes;
      },
    });
    ai = vertexClient(await simulator.listen(0));
  });
  after(() => simulator.close());

  /** Submits through the SDK and returns the body the simulator received and the operation name. */
  async function submit(model: string, source: object, config: object) {
    const before = simulator.stats.submits;
    const started = await ai.models.generateVideos({ model, source, config });
    assert.equal(simulator.stats.submits, before + 1);
    const record = simulator.requests.at(-1)!;
    assert.equal(record.status, 200);
    assert.equal(record.operationName, started.name);
    assert.equal(record.model, model);
    return { body: record.body, name: started.name! };
  }

  test('text to video with every parameter: each arrives under its Vertex name, labels at the top level', async () => {
    const { body, name } = await submit(
      'veo-3.1-generate-001',
      { prompt: 'a heron lands' },
      {
        numberOfVideos: 2,
        durationSeconds: 6,
        aspectRatio: '9:16',
        resolution: '1080p',
        generateAudio: false,
        negativePrompt: 'rain',
        personGeneration: 'dont_allow',
        seed: 4_294_967_295,
        outputGcsUri: 'gs://bucket/out/',
        enhancePrompt: false,
        compressionQuality: VideoCompressionQuality.LOSSLESS,
        fps: 24,
        pubsubTopic: 'projects/demo/topics/veo-done',
        labels: { 'veo-mcp-operation': '01hq3', 'veo-mcp-principal': 'user_example_com' },
      },
    );
    assert.deepEqual(body, {
      instances: [{ prompt: 'a heron lands' }],
      parameters: {
        sampleCount: 2,
        storageUri: 'gs://bucket/out/',
        fps: 24,
        durationSeconds: 6,
        seed: 4_294_967_295,
        aspectRatio: '9:16',
        resolution: '1080p',
        personGeneration: 'dont_allow',
        pubsubTopic: 'projects/demo/topics/veo-done',
        negativePrompt: 'rain',
        enhancePrompt: false,
        generateAudio: false,
        compressionQuality: 'LOSSLESS',
      },
      labels: { 'veo-mcp-operation': '01hq3', 'veo-mcp-principal': 'user_example_com' },
    });
    const done = await pollVideo(ai, name);
    const uris = done.response!.generatedVideos!.map((v) => v.video!.uri!);
    assert.equal(uris.length, 2);
    assert.match(uris[0]!, /^gs:\/\/bucket\/out\/\d+\/sample_0\.mp4$/);
    const mp4 = readMp4(objects.get(uris[1]!)!);
    assert.deepEqual([mp4.width, mp4.height, mp4.durationSeconds], [1080, 1920, 6]);
  });

  test('first frame as bytes, with resizeMode: image {bytesBase64Encoded, mimeType}', async () => {
    const { body } = await submit('veo-3.1-fast-generate-001', { image: png }, { resizeMode: 'CROP' });
    assert.deepEqual(body, {
      instances: [{ image: { bytesBase64Encoded: PNG, mimeType: 'image/png' } }],
      parameters: { resizeMode: 'CROP' },
    });
  });

  test('first frame from gs:// and a last frame: image {gcsUri}, lastFrame', async () => {
    const { body } = await submit(
      'veo-3.1-lite-generate-001',
      { prompt: 'turns', image: { gcsUri: 'gs://bucket/first.png', mimeType: 'image/png' } },
      { lastFrame: png, durationSeconds: 4 },
    );
    assert.deepEqual(body, {
      instances: [
        {
          prompt: 'turns',
          image: { gcsUri: 'gs://bucket/first.png', mimeType: 'image/png' },
          lastFrame: { bytesBase64Encoded: PNG, mimeType: 'image/png' },
        },
      ],
      parameters: { durationSeconds: 4 },
    });
  });

  test('three asset reference images: referenceImages [{image, referenceType}]', async () => {
    const references = [0, 1, 2].map(() => ({ image: png, referenceType: 'ASSET' }));
    const { body, name } = await submit(
      'veo-3.1-generate-001',
      { prompt: 'the same cat' },
      { referenceImages: references },
    );
    assert.deepEqual(body, {
      instances: [
        {
          prompt: 'the same cat',
          referenceImages: [0, 1, 2].map(() => ({
            image: { bytesBase64Encoded: PNG, mimeType: 'image/png' },
            referenceType: 'ASSET',
          })),
        },
      ],
    });
    assert.equal((await pollVideo(ai, name)).response!.generatedVideos!.length, 1);
  });

  test('extension from bytes and from gs://: video {bytesBase64Encoded|gcsUri, mimeType}', async () => {
    const input = makeVideo('16:9', '720p', 4 * 24);
    const inline = await submit(
      'veo-3.1-fast-generate-001',
      { video: { videoBytes: input.toString('base64'), mimeType: 'video/mp4' } },
      { durationSeconds: 7 },
    );
    assert.deepEqual(inline.body, {
      instances: [{ video: { bytesBase64Encoded: input.toString('base64'), mimeType: 'video/mp4' } }],
      parameters: { durationSeconds: 7 },
    });
    objects.set('gs://bucket/in/clip.mp4', input);
    const stored = await submit(
      'veo-3.1-fast-generate-001',
      { prompt: 'go on', video: { uri: 'gs://bucket/in/clip.mp4', mimeType: 'video/mp4' } },
      { durationSeconds: 7, aspectRatio: '16:9' },
    );
    assert.deepEqual(stored.body, {
      instances: [{ prompt: 'go on', video: { gcsUri: 'gs://bucket/in/clip.mp4', mimeType: 'video/mp4' } }],
      parameters: { durationSeconds: 7, aspectRatio: '16:9' },
    });
    for (const name of [inline.name, stored.name]) {
      const video = (await pollVideo(ai, name)).response!.generatedVideos![0]!.video!;
      const bytes = video.videoBytes ? Buffer.from(video.videoBytes, 'base64') : objects.get(video.uri!)!;
      assert.equal(readMp4(bytes).durationSeconds, 11);
    }
  });

  test('enum values are taken in either case, as the REST reference (lower) and the SDK (upper) write them', async () => {
    await submit(
      'veo-3.1-generate-001',
      { prompt: 'x', image: png },
      {
        personGeneration: 'ALLOW_ADULT',
        compressionQuality: 'optimized',
        resizeMode: 'pad',
        resolution: '4K',
      },
    );
    await submit(
      'veo-3.1-generate-001',
      { prompt: 'x' },
      { referenceImages: [{ image: png, referenceType: 'asset' }], personGeneration: 'allow_all' },
    );
  });
});
