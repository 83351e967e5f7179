// Input videos on the GCS adapter (the Storage emulator): BlobStore.openRead streams an object or says NOT_FOUND,
// resolveVideo reads a gs:// video through it, and an https video's copy lands in the bucket only when it passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GcsBlobStore } from '../../functions/src/blobs/gcs.js';
import { loadConfig } from '../../functions/src/config/index.js';
import { AppError } from '../../functions/src/errors.js';
import { createStorage } from '../../functions/src/google-clients.js';
import {
  resolveStoredVideo,
  resolveVideo,
  type VideoOptions,
} from '../../functions/src/video/input-video.js';
import {
  cloudSettings,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';

const BUCKET = 'veo-input-video-test';
/** Where callers keep their own videos: not the output bucket. */
const SOURCE_BUCKET = 'veo-input-video-source';
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const CLIP = fixture('video-720p-24fps-2s.mp4');
const LONG = fixture('video-720p-24fps-31s.mp4');
const PNG = fixture('image-64x36.png');
const CA = readFileSync(new URL('../fixtures/tls/test-only.crt', import.meta.url));
const KEY = readFileSync(new URL('../fixtures/tls/test-only.key', import.meta.url));
const RULES = {
  minSeconds: 1,
  maxSeconds: 30,
  fps: 24,
  sizes: [{ width: 1280, height: 720, label: '720p 16:9' }],
};

describe('input videos on the GCS blob store', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let blobs: GcsBlobStore;
  let server: Server;
  let port: number;
  const run = uniqueNames('input')('run');

  before(async () => {
    emulators = await useEmulators();
    const config = loadConfig(
      cloudSettings(emulators, {
        bucket: BUCKET,
        name: uniqueNames('input'),
        veoBaseUrl: 'http://127.0.0.1:9',
      }),
    );
    const storage = await createStorage(config);
    blobs = new GcsBlobStore(storage, BUCKET);
    const source = new GcsBlobStore(storage, SOURCE_BUCKET);
    await source.put(`${run}/inputs/clip.mp4`, CLIP, 'video/mp4');
    await source.put(`${run}/inputs/long.mp4`, LONG, 'video/mp4');
    await source.put(`${run}/inputs/cat.mp4`, PNG, 'video/mp4');
    await blobs.put(`${run}/op-0/video-0.mp4`, CLIP, 'video/mp4');
    server = createServer({ key: KEY, cert: CA }, (req, res) => {
      const body = req.url === '/clip.mp4' ? CLIP : req.url === '/long.mp4' ? LONG : undefined;
      if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await emulators?.stop();
  });

  const gs = (key: string): string => `gs://${SOURCE_BUCKET}/${run}/${key}`;
  const options = (copyTo: string, over: Partial<VideoOptions> = {}): VideoOptions => ({
    blobs,
    maxBytes: 1_000_000,
    copyTo: () => `${run}/${copyTo}`,
    rules: RULES,
    egress: {
      ca: CA,
      testHosts: [`images.test:${port}`],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    },
    ...over,
  });
  /** Every object under this run's prefix (all of them .mp4). */
  const objects = async (): Promise<string[]> =>
    (await blobs.listOutputs(`${run}/`)).map((o) => o.uri.slice(`gs://${BUCKET}/`.length));
  /** What the output bucket held before the tests. */
  const outputs = [`${run}/op-0/video-0.mp4`];

  test('openRead streams the stored bytes', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await blobs.openRead(gs('inputs/long.mp4'))) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), LONG);
  });

  test('openRead of an object that does not exist is NOT_FOUND naming it', async () => {
    const uri = gs('inputs/missing.mp4');
    await assert.rejects(
      blobs.openRead(uri),
      (err: unknown) =>
        err instanceof AppError && err.code === 'NOT_FOUND' && err.message === `No object ${uri}.`,
    );
  });

  test('a gs:// video is described from the bucket; the download of a long one is abandoned after its header, its full size still reported', async () => {
    assert.deepEqual(await resolveVideo(gs('inputs/clip.mp4'), options('unused.mp4')), {
      source: 'gcs',
      uri: gs('inputs/clip.mp4'),
      mimeType: 'video/mp4',
      durationSeconds: 2,
      width: 1280,
      height: 720,
      fps: 24,
      bytes: CLIP.length,
    });
    // The download is abandoned after the moov box; the call still answers, with the object's full size.
    const long = await resolveVideo(gs('inputs/long.mp4'), options('unused.mp4', { rules: undefined }));
    assert.equal(long.durationSeconds, 31);
    assert.equal(long.bytes, LONG.length);
    assert.deepEqual(await objects(), outputs);
  });

  test('gs:// refusals write nothing', async () => {
    await assert.rejects(resolveVideo(gs('inputs/cat.mp4'), options('copy.mp4')), {
      message: `Invalid video: "${gs('inputs/cat.mp4')}". Its bytes are image/png; the model extends MP4 videos (video/mp4).`,
    });
    await assert.rejects(resolveVideo(gs('inputs/missing.mp4'), options('copy.mp4')), {
      message:
        `Invalid video: "${gs('inputs/missing.mp4')}". There is no such object. Give a gs://BUCKET/OBJECT URI ` +
        'or an https:// URL of an MP4 video.',
    });
    assert.deepEqual(await objects(), outputs);
  });

  test('an https video that passes is copied into the bucket; one that fails is not', async () => {
    const url = `https://images.test:${port}/long.mp4`;
    await assert.rejects(resolveVideo(url, options('op-long/input-video.mp4')), {
      message: `Invalid video: "${url}". The video is 31 s long; the model extends videos of 1 to 30 s.`,
    });
    assert.deepEqual(await objects(), outputs);

    const found = await resolveVideo(
      `https://images.test:${port}/clip.mp4`,
      options('op-clip/input-video.mp4'),
    );
    assert.equal(found.uri, `gs://${BUCKET}/${run}/op-clip/input-video.mp4`);
    assert.equal(found.sourceUrl, `https://images.test:${port}/clip.mp4`);
    assert.deepEqual(await blobs.read(found.uri), CLIP);
    assert.deepEqual(await objects(), [`${run}/op-0/video-0.mp4`, `${run}/op-clip/input-video.mp4`]);
  });

  test('a gs:// URI in the output bucket is refused; the same object is read as an operation output', async () => {
    const uri = `gs://${BUCKET}/${run}/op-0/video-0.mp4`;
    const before = await objects();
    await assert.rejects(resolveVideo(uri, options('copy.mp4')), {
      message:
        `Invalid video: "${uri}". It is in this service's output bucket (gs://${BUCKET}/); extend one of your ` +
        'own videos by its operation id, or give a gs:// URI in another bucket or an https:// URL.',
    });
    const found = await resolveStoredVideo(uri, 'op-0', options('copy.mp4'));
    assert.deepEqual(
      [found.source, found.operationId, found.durationSeconds, found.bytes],
      ['operation', 'op-0', 2, CLIP.length],
    );
    assert.deepEqual(await objects(), before);
  });
});
