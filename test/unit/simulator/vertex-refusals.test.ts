// What Vertex refuses, the simulator refuses the same way: 400 INVALID_ARGUMENT in Google's error shape with
// Google's message (404 NOT_FOUND for a model Vertex does not serve), and nothing starts — no operation, no quota
// slot, no submit counted. An unsupported duration is the exception Vertex makes: it accepts the submit and fails
// the operation with code 3 and "Unsupported output video duration …".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { clipPath, makeVideo } from '../../../functions/src/simulator/assets.js';
import { readMp4 } from '../../../functions/src/simulator/mp4-reader.js';
import { writeMp4 } from '../../../functions/src/simulator/mp4-writer.js';
import { publisherModelNotFound, VeoSimulator } from '../../../functions/src/simulator/server.js';
import { LABEL_RULES } from '../../../functions/src/simulator/vertex-request.js';
import { pollVideo, vertexClient } from '../../helpers/veo-sdk.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const image = { bytesBase64Encoded: PNG, mimeType: 'image/png' };
const asset = { image, referenceType: 'ASSET' };
const base64 = (bytes: Buffer) => bytes.toString('base64');
const mp4Input = (bytes: Buffer) => ({ bytesBase64Encoded: base64(bytes), mimeType: 'video/mp4' });

/** The 720p test clip re-timed or re-labelled: a valid MP4 that is not what Veo takes. */
function variant({ fps = 24, width = 1280, height = 720, frames = 4 * 24 }) {
  const clip = readMp4(readFileSync(clipPath('16:9', '720p')), { withSamples: true });
  return writeMp4([
    {
      kind: 'video',
      width,
      height,
      timescale: 24_000,
      frameTicks: 24_000 / fps,
      stsd: clip.stsd!,
      samples: Array.from({ length: frames }, (_, i) => clip.samples![i % 24]!),
    },
  ]);
}

const LABEL_REFUSAL = (detail: string) =>
  `List of found errors:\t1.Field: labels; Message: ${detail} ${LABEL_RULES}`;
const notSupported = (field: string) =>
  `\`${field}\` isn't supported by this model. Please remove it or refer to the Vertex AI documentation for supported usage.`;

/** [what, model, body, Google's message] */
const REFUSALS: Array<[string, string, Record<string, unknown>, string]> = [
  [
    'a last frame without a first frame',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', lastFrame: image }] },
    'lastFrame requires image: a last frame can only be given together with a first frame.',
  ],
  [
    'four reference images',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', referenceImages: [asset, asset, asset, asset] }] },
    'Too many reference images: at most 3 asset images are supported, got 4.',
  ],
  [
    'a STYLE reference image on Veo 3.1',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', referenceImages: [{ image, referenceType: 'STYLE' }] }] },
    "instances[0].referenceImages[0].referenceType style isn't supported by veo-3.1-generate-001: only asset reference images are supported.",
  ],
  [
    'a reference type that does not exist',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', referenceImages: [{ image, referenceType: 'PERSON' }] }] },
    'Invalid value for instances[0].referenceImages[0].referenceType: "PERSON". Supported values are asset.',
  ],
  [
    'reference images on Veo 3.1 Lite',
    'veo-3.1-lite-generate-001',
    { instances: [{ prompt: 'x', referenceImages: [asset] }] },
    notSupported('referenceImages'),
  ],
  [
    '4k on Veo 3.1 Lite',
    'veo-3.1-lite-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { resolution: '4k' } },
    'Unsupported resolution "4k" for veo-3.1-lite-generate-001. Supported resolutions are 720p, 1080p.',
  ],
  [
    "Gemini Omni's 360p on Veo",
    'veo-3.1-fast-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { resolution: '360p' } },
    'Unsupported resolution "360p" for veo-3.1-fast-generate-001. Supported resolutions are 720p, 1080p, 4k.',
  ],
  [
    'a resolution that does not exist',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { resolution: '8k' } },
    'Unsupported resolution "8k" for veo-3.1-generate-001. Supported resolutions are 720p, 1080p, 4k.',
  ],
  [
    'compressionQuality HIGH',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { compressionQuality: 'HIGH' } },
    'Invalid value for compressionQuality: "HIGH". Supported values are optimized, lossless.',
  ],
  [
    'resizeMode STRETCH',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', image }], parameters: { resizeMode: 'STRETCH' } },
    'Invalid value for resizeMode: "STRETCH". Supported values are pad, crop.',
  ],
  [
    'personGeneration allow_everyone',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { personGeneration: 'allow_everyone' } },
    'allow_everyone for personGeneration is currently not supported.',
  ],
  [
    'sampleCount 5',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { sampleCount: 5 } },
    'Invalid value for sampleCount: expected an integer from 1 to 4, got 5.',
  ],
  [
    'a negative seed',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { seed: -1 } },
    'Invalid value for seed: expected an integer from 0 to 4294967295, got -1.',
  ],
  [
    'fps 30',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { fps: 30 } },
    'Unsupported fps 30: this model generates 24 fps video only.',
  ],
  [
    'generateAudio as a string',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { generateAudio: 'yes' } },
    'Invalid value for generateAudio: expected true or false, got "yes".',
  ],
  [
    'a fractional duration',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { durationSeconds: 7.5 } },
    'Invalid value for durationSeconds: expected a whole number of seconds, got 7.5.',
  ],
  [
    'a Gemini-API-only parameter name (numberOfVideos)',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { numberOfVideos: 2 } },
    notSupported('numberOfVideos'),
  ],
  [
    'mask editing (Veo 2 only, retired)',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', image, mask: { image, maskMode: 'REMOVE' } }] },
    notSupported('mask'),
  ],
  [
    'an unknown top-level field',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], config: {} },
    'Invalid JSON payload received. Unknown name "config": Cannot find field.',
  ],
  [
    'no prompt and no image',
    'veo-3.1-generate-001',
    { instances: [{}] },
    'A prompt or an image is required.',
  ],
  [
    'two instances',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }, { prompt: 'y' }] },
    'instances must hold exactly one instance object.',
  ],
  [
    'an image with neither bytes nor URI',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x', image: { mimeType: 'image/png' } }] },
    'No uri or raw bytes are provided in media content (instances[0].image).',
  ],
  [
    'an image with both bytes and URI',
    'veo-3.1-generate-001',
    { instances: [{ image: { ...image, gcsUri: 'gs://b/i.png' } }] },
    'instances[0].image: bytesBase64Encoded and gcsUri are one union field; set only one of them.',
  ],
  [
    'image bytes that are not base64',
    'veo-3.1-generate-001',
    { instances: [{ image: { bytesBase64Encoded: 'not base64!', mimeType: 'image/png' } }] },
    'Invalid value for instances[0].image.bytesBase64Encoded: Base64 decoding failed.',
  ],
  [
    'a GIF first frame',
    'veo-3.1-generate-001',
    { instances: [{ image: { bytesBase64Encoded: PNG, mimeType: 'image/gif' } }] },
    'Unsupported MIME type "image/gif" for instances[0].image. Supported types: image/jpeg, image/png, image/webp.',
  ],
  [
    'an https image URI',
    'veo-3.1-generate-001',
    { instances: [{ image: { gcsUri: 'https://example.com/a.png', mimeType: 'image/png' } }] },
    'Invalid value for instances[0].image.gcsUri: expected gs://BUCKET/OBJECT, got "https://example.com/a.png".',
  ],
  [
    'a storageUri that is not gs://',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { storageUri: 'https://bucket/out/' } },
    'Invalid value for storageUri: expected gs://BUCKET/PREFIX, got "https://bucket/out/".',
  ],
  [
    'a pubsubTopic that is not a topic name',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], parameters: { pubsubTopic: 'veo-done' } },
    'Invalid value for pubsubTopic: expected projects/PROJECT/topics/TOPIC, got "veo-done".',
  ],
  [
    '65 labels',
    'veo-3.1-generate-001',
    {
      instances: [{ prompt: 'x' }],
      labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])),
    },
    LABEL_REFUSAL('65 labels given.'),
  ],
  [
    'a label key with upper case',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { Owner: 'me' } },
    LABEL_REFUSAL('Label "Owner": "me" is not allowed.'),
  ],
  [
    'a label key starting with a dash',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { '-owner': 'me' } },
    LABEL_REFUSAL('Label "-owner": "me" is not allowed.'),
  ],
  [
    'a label key of 64 characters',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { ['k'.repeat(64)]: 'v' } },
    LABEL_REFUSAL(`Label "${'k'.repeat(64)}": "v" is not allowed.`),
  ],
  [
    'a label value of 64 characters',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { owner: 'v'.repeat(64) } },
    LABEL_REFUSAL(`Label "owner": "${'v'.repeat(64)}" is not allowed.`),
  ],
  [
    'a label value with a dot',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { owner: 'me@example.com' } },
    LABEL_REFUSAL('Label "owner": "me@example.com" is not allowed.'),
  ],
  [
    'a label value that is a number',
    'veo-3.1-generate-001',
    { instances: [{ prompt: 'x' }], labels: { owner: 7 } },
    LABEL_REFUSAL('Label "owner" has the value 7, not a string.'),
  ],
  [
    'an extension input that is not an MP4 by type',
    'veo-3.1-generate-001',
    { instances: [{ video: { bytesBase64Encoded: PNG, mimeType: 'video/quicktime' } }] },
    'The input video must be an MP4 file (video/mp4), but got: video/quicktime.',
  ],
  [
    'an extension input that is not an MP4 by content',
    'veo-3.1-generate-001',
    { instances: [{ video: { bytesBase64Encoded: PNG, mimeType: 'video/mp4' } }] },
    'The input video must be an MP4 file, but got: not an MP4 video.',
  ],
  [
    'an extension input at 30 fps',
    'veo-3.1-generate-001',
    { instances: [{ video: mp4Input(variant({ fps: 30, frames: 120 })) }] },
    'Frame rate of the input video must be 24 fps, but got: 30 fps.',
  ],
  [
    'an extension input of 31 s',
    'veo-3.1-generate-001',
    { instances: [{ video: mp4Input(makeVideo('16:9', '720p', 31 * 24)) }] },
    'Duration of the input video must be between 1 and 30 seconds, but got: 31 seconds.',
  ],
  [
    'an extension input of half a second',
    'veo-3.1-generate-001',
    { instances: [{ video: mp4Input(makeVideo('16:9', '720p', 12)) }] },
    'Duration of the input video must be between 1 and 30 seconds, but got: 0.5 seconds.',
  ],
  [
    'an extension input of 640×360',
    'veo-3.1-generate-001',
    { instances: [{ video: mp4Input(variant({ width: 640, height: 360 })) }] },
    'Resolution of the input video must be 720p, 1080p or 4k in 16:9 or 9:16, but got: 640x360.',
  ],
  [
    'a 9:16 extension input without aspectRatio 9:16',
    'veo-3.1-generate-001',
    { instances: [{ video: mp4Input(makeVideo('9:16', '720p', 4 * 24)) }] },
    'Aspect ratio of the input video must be 16:9, but got: 9:16.',
  ],
  [
    'an extension input in gs:// the simulator can neither read nor wrote',
    'veo-3.1-generate-001',
    { instances: [{ video: { gcsUri: 'gs://bucket/someone-elses.mp4', mimeType: 'video/mp4' } }] },
    'This simulator has no GCS reader and did not write gs://bucket/someone-elses.mp4: it cannot read that input video',
  ],
];

describe('Veo simulator: Vertex refusals', () => {
  let simulator: VeoSimulator;
  let baseUrl: string;

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 0, submitsPerMinute: 1000 });
    baseUrl = await simulator.listen(0);
  });
  after(() => simulator.close());

  async function post(model: string, body: unknown) {
    const response = await fetch(
      `${baseUrl}/v1beta1/projects/demo/locations/us-central1/publishers/google/models/${model}:predictLongRunning`,
      { method: 'POST', headers: { authorization: 'Bearer t' }, body: JSON.stringify(body) },
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  for (const [what, model, body, message] of REFUSALS) {
    test(`${what}: 400 INVALID_ARGUMENT, nothing started`, async () => {
      const { submits, rejected } = simulator.stats;
      const { status, json } = await post(model, body);
      assert.equal(status, 400, JSON.stringify(json));
      assert.deepEqual(json, { error: { code: 400, message, status: 'INVALID_ARGUMENT' } });
      assert.equal(simulator.stats.submits, submits);
      assert.equal(simulator.stats.rejected, rejected + 1);
      assert.deepEqual(simulator.stats.submitTimes, {});
      const record = simulator.requests.at(-1)!;
      assert.deepEqual([record.status, record.operationName, record.body], [400, undefined, body]);
    });
  }

  for (const model of ['veo-4.0-generate-001', 'gemini-omni-1.2-flash']) {
    test(`a model Vertex does not serve with predictLongRunning (${model}) is Vertex's 404, nothing started`, async () => {
      const { status, json } = await post(model, { instances: [{ prompt: 'x' }] });
      assert.equal(status, 404);
      assert.deepEqual(json, {
        error: {
          code: 404,
          message: publisherModelNotFound(
            `projects/demo/locations/us-central1/publishers/google/models/${model}`,
          ),
          status: 'NOT_FOUND',
        },
      });
      assert.deepEqual(simulator.stats.submitTimes, {});
    });
  }

  test('durations Vertex does not make are accepted, then the operation fails with code 3 and its message', async () => {
    const ai = vertexClient(baseUrl);
    const cases: Array<[object, object, string]> = [
      [
        { prompt: 'x' },
        { durationSeconds: 5 },
        'Unsupported output video duration 5 seconds, supported durations are [8,4,6] for feature text_to_video.',
      ],
      [
        { prompt: 'x', image: { imageBytes: PNG, mimeType: 'image/png' } },
        { durationSeconds: 10 },
        'Unsupported output video duration 10 seconds, supported durations are [8,4,6] for feature image_to_video.',
      ],
      [
        { prompt: 'x' },
        {
          durationSeconds: 4,
          referenceImages: [{ image: { imageBytes: PNG, mimeType: 'image/png' }, referenceType: 'ASSET' }],
        },
        'Unsupported output video duration 4 seconds, supported durations are [8] for feature reference_to_video.',
      ],
      [
        { video: { videoBytes: base64(makeVideo('16:9', '720p', 96)), mimeType: 'video/mp4' } },
        { durationSeconds: 8 },
        'Unsupported output video duration 8 seconds, supported durations are [7] for feature video_extension.',
      ],
    ];
    for (const [source, config, message] of cases) {
      const started = await ai.models.generateVideos({ model: 'veo-3.1-generate-001', source, config });
      const done = await pollVideo(ai, started.name!);
      assert.equal(done.done, true);
      assert.deepEqual(done.error, { code: 3, message });
      assert.equal(done.response, undefined);
    }
  });
});
