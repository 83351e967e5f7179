// Input videos for extend_video: what an MP4 is (read from its bytes with mp4box), which rules a model's extension
// input keeps, and where a video may come from (gs:// through the blob store, https through egress, copied into the
// blob store). Every refusal is asserted word for word, with nothing written to the blob store. Fixtures are real
// MP4s: the simulator's videos (simulator/assets.ts makeVideo), test/fixtures/video-320x180-12fps-8s.mp4 (the
// simulator's former 8-second asset) and test/fixtures/video-*.mp4 and audio-only.mp4, made once with ffmpeg 5.1 (no
// test needs it):
//   ffmpeg -f lavfi -i color=c=0x3060a0:s=1280x720:r=24:d=2 -c:v libx264 -preset veryslow -crf 40 -pix_fmt yuv420p
//     -movflags +faststart -map_metadata -1 -fflags +bitexact video-720p-24fps-2s.mp4   (d=31: ...-31s.mp4;
//     without -movflags: ...-moov-end.mp4)
//   ffmpeg -i video-720p-24fps-2s.mp4 -c copy -movflags frag_keyframe+empty_moov ... video-720p-24fps-2s-fragmented.mp4
//   ffmpeg -f lavfi -i sine=f=440:d=0.5 -c:a aac -b:a 32k -movflags +faststart ... audio-only.mp4
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import type { ResolvedAddress } from '../../../functions/src/net/egress.js';
import {
  extensionInputProblems,
  inspectVideo,
  resolveStoredVideo,
  resolveVideo,
  type ExtensionRules,
  type VideoFacts,
  type VideoOptions,
} from '../../../functions/src/video/input-video.js';
import {
  makeVideo,
  SIMULATOR_ASPECT_RATIOS,
  VEO_RESOLUTIONS,
} from '../../../functions/src/simulator/assets.js';
import { MemoryBlobStore } from '../operations/harness.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

/** 1280×720, 24 fps, 2 s, moov box first (3,974 bytes). */
const CLIP = fixture('video-720p-24fps-2s.mp4');
/** The same video with its moov box after the frames. */
const MOOV_LAST = fixture('video-720p-24fps-2s-moov-end.mp4');
/** 1280×720, 24 fps, 31 s, moov box first (36,769 bytes; the moov box ends at byte 6,489). */
const LONG = fixture('video-720p-24fps-31s.mp4');
/** 320×180, 12 fps, 8 s: not a video Veo makes. */
const SMALL_12FPS = fixture('video-320x180-12fps-8s.mp4');
/** An MP4 with one AAC audio track and no video. */
const AUDIO_ONLY = fixture('audio-only.mp4');
const PNG = fixture('image-64x36.png');
const CLIP_FACTS: VideoFacts = {
  mimeType: 'video/mp4',
  durationSeconds: 2,
  width: 1280,
  height: 720,
  fps: 24,
  bytes: 3974,
};

/** Vertex's extension input (research note §2 footnote 17): 1-30 s, 24 fps, 720p/1080p/4k, 16:9 or 9:16. */
const RULES: ExtensionRules = {
  minSeconds: 1,
  maxSeconds: 30,
  fps: 24,
  sizes: [
    { width: 1280, height: 720, label: '720p 16:9' },
    { width: 720, height: 1280, label: '720p 9:16' },
    { width: 1920, height: 1080, label: '1080p 16:9' },
    { width: 1080, height: 1920, label: '1080p 9:16' },
    { width: 3840, height: 2160, label: '4k 16:9' },
    { width: 2160, height: 3840, label: '4k 9:16' },
  ],
};
const SIZES =
  '1280×720 (720p 16:9), 720×1280 (720p 9:16), 1920×1080 (1080p 16:9), 1080×1920 (1080p 9:16), ' +
  '3840×2160 (4k 16:9), 2160×3840 (4k 9:16)';
const MP4 = 'the model extends MP4 videos (video/mp4).';
const MAX = 1_000_000;

/** A stream of `bytes` in 1 KiB chunks that counts what it handed out (and reads at most one chunk ahead). */
function metered(bytes: Buffer): { stream: Readable; served: () => number } {
  let served = 0;
  const stream = new Readable({
    highWaterMark: 1024,
    read() {
      if (served >= bytes.length) return void this.push(null);
      const chunk = bytes.subarray(served, served + 1024);
      served += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, served: () => served };
}

/** The AppError a promise rejects with; fails the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

async function refusedWith(promise: Promise<unknown>, message: string): Promise<void> {
  const err = await refusal(promise);
  assert.equal(err.code, 'INVALID_ARGUMENT');
  assert.equal(err.message, message);
}

const facts = (over: Partial<VideoFacts>): VideoFacts => ({
  mimeType: 'video/mp4',
  durationSeconds: 8,
  width: 1280,
  height: 720,
  fps: 24,
  bytes: 1000,
  ...over,
});

describe('inspectVideo: what an MP4 is', () => {
  test('a 720p 24 fps clip is described from its own bytes', async () => {
    assert.deepEqual(await inspectVideo(Readable.from([CLIP]), MAX), CLIP_FACTS);
  });

  for (const aspectRatio of SIMULATOR_ASPECT_RATIOS) {
    for (const resolution of VEO_RESOLUTIONS) {
      test(`the simulator's ${aspectRatio} ${resolution} video (with audio, 15 s) is one the model extends`, async () => {
        const bytes = makeVideo(aspectRatio, resolution, 15 * 24, { audio: true });
        const found = await inspectVideo(metered(bytes).stream, MAX);
        const [long, short] = { '720p': [1280, 720], '1080p': [1920, 1080], '4k': [3840, 2160] }[resolution];
        const [width, height] = aspectRatio === '16:9' ? [long, short] : [short, long];
        assert.deepEqual(found, {
          mimeType: 'video/mp4',
          durationSeconds: 15,
          width,
          height,
          fps: 24,
          bytes: bytes.length,
        });
        assert.equal(extensionInputProblems(found, RULES), undefined);
      });
    }
  }

  test('a video whose moov box comes after its frames is read to the end and described the same way', async () => {
    const first = await inspectVideo(Readable.from([CLIP]), MAX);
    const { stream, served } = metered(MOOV_LAST);
    assert.deepEqual(await inspectVideo(stream, MAX), first);
    assert.equal(served(), MOOV_LAST.length);
  });

  test('with its size known, a video whose moov box comes first is not read past its header', async () => {
    const { stream, served } = metered(LONG);
    const found = await inspectVideo(stream, MAX, { totalBytes: LONG.length });
    assert.equal(found.durationSeconds, 31);
    assert.equal(found.bytes, LONG.length);
    assert.ok(served() <= 9 * 1024, `read ${served()} of ${LONG.length} bytes`);
    assert.ok(stream.destroyed, 'the stream is closed: nothing more is downloaded');
  });

  test('without its size, the stream is read to its end so the byte count is exact', async () => {
    const { stream, served } = metered(LONG);
    assert.equal((await inspectVideo(stream, MAX)).bytes, LONG.length);
    assert.equal(served(), LONG.length);
  });
});

describe('inspectVideo: bytes that are not a usable MP4', () => {
  const cases: Array<[string, () => Buffer, string]> = [
    ['a PNG named clip.mp4', () => PNG, `Invalid video: "clip.mp4". Its bytes are image/png; ${MP4}`],
    ['0 bytes', () => Buffer.alloc(0), `Invalid video: "clip.mp4". It is empty; ${MP4}`],
    [
      'plain text',
      () => Buffer.from('<html>not a video</html>'),
      `Invalid video: "clip.mp4". Its bytes are not a recognised format; ${MP4}`,
    ],
    [
      'a QuickTime movie (major brand qt)',
      () => Buffer.concat([CLIP.subarray(0, 8), Buffer.from('qt  ', 'latin1'), CLIP.subarray(12)]),
      `Invalid video: "clip.mp4". Its bytes are video/quicktime; ${MP4}`,
    ],
    [
      'an MP4 cut inside its moov box',
      () => LONG.subarray(0, 3000),
      `Invalid video: "clip.mp4". It ends before its movie header (moov box) is complete: it is truncated or not a whole MP4; ${MP4}`,
    ],
    [
      'an MP4 cut inside its frames',
      () => LONG.subarray(0, 20000),
      `Invalid video: "clip.mp4". It is truncated: its frames reach byte 36769 but it has 20000 bytes; ${MP4}`,
    ],
    [
      'an MP4 whose moov box claims more bytes than the file has',
      () => {
        const bytes = Buffer.from(CLIP);
        bytes.writeUInt32BE(0xfffffff0, 32);
        return bytes;
      },
      `Invalid video: "clip.mp4". It ends before its movie header (moov box) is complete: it is truncated or not a whole MP4; ${MP4}`,
    ],
    [
      'an MP4 whose movie header box is garbage',
      () => {
        const bytes = Buffer.from(CLIP);
        bytes.fill(0xff, 40, 200);
        return bytes;
      },
      `Invalid video: "clip.mp4". It is not a readable MP4 (a box in its movie header could not be parsed); ${MP4}`,
    ],
    [
      'a fragmented MP4 (frames in moof boxes, none in the movie header)',
      () => fixture('video-720p-24fps-2s-fragmented.mp4'),
      'Invalid video: "clip.mp4". Its movie header lists no video frames: it is a fragmented (or empty) MP4. ' +
        'Give a regular MP4, e.g. remuxed with ffmpeg -c copy -movflags +faststart.',
    ],
    [
      'an MP4 with an audio track and no video track',
      () => AUDIO_ONLY,
      `Invalid video: "clip.mp4". It has no video track (its tracks: audio); ${MP4}`,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    test(`${name} is refused, saying what it is`, async () => {
      await refusedWith(inspectVideo(Readable.from([bytes()]), MAX, { label: 'clip.mp4' }), message);
    });
  }

  test('a truncated MP4 whose size is known is refused without reading its frames', async () => {
    const cut = LONG.subarray(0, 20000);
    const { stream, served } = metered(cut);
    await refusedWith(
      inspectVideo(stream, MAX, { totalBytes: cut.length, label: 'clip.mp4' }),
      `Invalid video: "clip.mp4". It is truncated: its frames reach byte 36769 but it has 20000 bytes; ${MP4}`,
    );
    assert.ok(served() < cut.length);
  });

  test('a video known to be over maxBytes is refused before a byte is read', async () => {
    const { stream, served } = metered(LONG);
    await refusedWith(
      inspectVideo(stream, 30000, { totalBytes: LONG.length, label: 'clip.mp4' }),
      'Invalid video: "clip.mp4". It is 36769 bytes; input videos may be at most 30000 bytes (MAX_VIDEO_BYTES).',
    );
    assert.equal(served(), 0);
    assert.ok(stream.destroyed);
  });

  test('a stream that runs past maxBytes is cut off there', async () => {
    const { stream, served } = metered(MOOV_LAST);
    await refusedWith(
      inspectVideo(stream, 3000, { label: 'clip.mp4' }),
      'Invalid video: "clip.mp4". It is over 3000 bytes and its movie header (moov box) is not within them; ' +
        'input videos may be at most 3000 bytes (MAX_VIDEO_BYTES).',
    );
    assert.ok(served() <= 4096, `read ${served()} bytes`);
    assert.ok(stream.destroyed);
  });
});

describe('extensionInputProblems', () => {
  test('a 720p 24 fps video of 1 to 30 s keeps every rule', () => {
    for (const durationSeconds of [1, 8, 30]) {
      assert.equal(extensionInputProblems(facts({ durationSeconds }), RULES), undefined);
    }
    for (const [width, height] of [
      [720, 1280],
      [1920, 1080],
      [2160, 3840],
    ] as const) {
      assert.equal(extensionInputProblems(facts({ width, height }), RULES), undefined);
    }
  });

  const cases: Array<[string, Partial<VideoFacts>, string]> = [
    [
      'a video longer than 30 s',
      { durationSeconds: 31.2 },
      'The video is 31.2 s long; the model extends videos of 1 to 30 s.',
    ],
    [
      'a video shorter than 1 s',
      { durationSeconds: 0.5 },
      'The video is 0.5 s long; the model extends videos of 1 to 30 s.',
    ],
    ['a 30 fps video', { fps: 30 }, 'The video is 30 fps; the model extends 24 fps videos.'],
    ['a 23.976 fps video', { fps: 23.976 }, 'The video is 23.976 fps; the model extends 24 fps videos.'],
    ['a square video', { width: 1080, height: 1080 }, `The video is 1080×1080; the model extends ${SIZES}.`],
    ['a 480p video', { width: 854, height: 480 }, `The video is 854×480; the model extends ${SIZES}.`],
    [
      'a video that breaks three rules',
      { durationSeconds: 40, fps: 12, width: 320, height: 180 },
      'The video is 40 s long; the model extends videos of 1 to 30 s. The video is 12 fps; the model extends 24 fps ' +
        `videos. The video is 320×180; the model extends ${SIZES}.`,
    ],
  ];
  for (const [name, over, message] of cases) {
    test(`${name} is named with its value and what is allowed`, () => {
      assert.equal(extensionInputProblems(facts(over), RULES), message);
    });
  }
});

/** The blob store with gs:// objects in it, serving them in metered chunks; its outputs are in gs://outputs-bucket. */
class SeededBlobStore extends MemoryBlobStore {
  served = 0;
  override outputUriFor(prefix: string): string {
    return `gs://outputs-bucket/${prefix}`;
  }
  seed(uri: string, bytes: Buffer): void {
    this.objects.set(uri, { uri, mimeType: 'video/mp4', bytes: bytes.length });
    this.contents.set(uri, bytes);
  }
  override async openRead(uri: string): Promise<Readable> {
    await super.openRead(uri); // NOT_FOUND for an unknown object
    const { stream, served } = metered(this.contents.get(uri)!);
    stream.on('close', () => (this.served += served()));
    return stream;
  }
}

describe('resolveVideo: gs://', () => {
  const BUCKET = 'gs://inputs-bucket';
  const store = (): SeededBlobStore => {
    const blobs = new SeededBlobStore();
    blobs.seed(`${BUCKET}/clip.mp4`, CLIP);
    blobs.seed(`${BUCKET}/long.mp4`, LONG);
    blobs.seed(`${BUCKET}/sim.mp4`, SMALL_12FPS);
    blobs.seed(`${BUCKET}/cat.mp4`, PNG);
    blobs.seed(`${BUCKET}/cut.mp4`, LONG.subarray(0, 20000));
    return blobs;
  };
  const options = (blobs: SeededBlobStore, over: Partial<VideoOptions> = {}): VideoOptions => ({
    blobs,
    maxBytes: MAX,
    copyTo: () => 'videos/op1/input-video.mp4',
    rules: RULES,
    ...over,
  });
  /** Objects in the store: the seeded ones, and nothing else. */
  const unchanged = (blobs: SeededBlobStore): void =>
    assert.equal(blobs.objects.size, 5, 'nothing was written');

  test('a stored MP4 that keeps the rules becomes a reference with its facts, and nothing is copied', async () => {
    const blobs = store();
    assert.deepEqual(await resolveVideo(` ${BUCKET}/clip.mp4 `, options(blobs)), {
      source: 'gcs',
      uri: `${BUCKET}/clip.mp4`,
      ...CLIP_FACTS,
    });
    unchanged(blobs);
  });

  test('a stored video is read only as far as its movie header', async () => {
    const blobs = store();
    const found = await resolveVideo(`${BUCKET}/long.mp4`, options(blobs, { rules: undefined }));
    assert.equal(found.durationSeconds, 31);
    assert.ok(blobs.served <= 9 * 1024, `read ${blobs.served} of ${LONG.length} bytes`);
  });

  const refusals: Array<[string, string, Partial<VideoOptions>, string]> = [
    [
      'a video longer than the model extends',
      `${BUCKET}/long.mp4`,
      {},
      `Invalid video: "${BUCKET}/long.mp4". The video is 31 s long; the model extends videos of 1 to 30 s.`,
    ],
    [
      'a 12 fps 320×180 video',
      `${BUCKET}/sim.mp4`,
      {},
      `Invalid video: "${BUCKET}/sim.mp4". The video is 12 fps; the model extends 24 fps videos. The video is 320×180; ` +
        `the model extends ${SIZES}.`,
    ],
    [
      'a PNG stored as .mp4',
      `${BUCKET}/cat.mp4`,
      {},
      `Invalid video: "${BUCKET}/cat.mp4". Its bytes are image/png; ${MP4}`,
    ],
    [
      'a truncated MP4',
      `${BUCKET}/cut.mp4`,
      {},
      `Invalid video: "${BUCKET}/cut.mp4". It is truncated: its frames reach byte 36769 but it has 20000 bytes; ${MP4}`,
    ],
    [
      'an object over maxBytes',
      `${BUCKET}/long.mp4`,
      { maxBytes: 30000 },
      `Invalid video: "${BUCKET}/long.mp4". It is 36769 bytes; input videos may be at most 30000 bytes (MAX_VIDEO_BYTES).`,
    ],
    [
      'an object that does not exist',
      `${BUCKET}/missing.mp4`,
      {},
      `Invalid video: "${BUCKET}/missing.mp4". There is no such object. Give a gs://BUCKET/OBJECT URI or an ` +
        'https:// URL of an MP4 video.',
    ],
    [
      'a gs:// URI without an object',
      'gs://inputs-bucket',
      {},
      'Invalid video: "gs://inputs-bucket". A gs:// URI must name a bucket and an object: gs://BUCKET/OBJECT.',
    ],
    [
      'a gs:// URI with an invalid bucket name',
      'gs://UPPER_case/clip.mp4',
      {},
      'Invalid video: "gs://UPPER_case/clip.mp4". A gs:// URI must name a bucket and an object: gs://BUCKET/OBJECT.',
    ],
  ];
  for (const [name, value, over, message] of refusals) {
    test(`${name} is refused and nothing is written`, async () => {
      const blobs = store();
      await refusedWith(resolveVideo(value, options(blobs, over)), message);
      unchanged(blobs);
    });
  }

  test("a video in the service's own output bucket is refused by URI, unread: it may be another caller's", async () => {
    const blobs = store();
    blobs.seed('gs://outputs-bucket/videos/op9/video-0.mp4', CLIP);
    await refusedWith(
      resolveVideo('gs://outputs-bucket/videos/op9/video-0.mp4', options(blobs)),
      'Invalid video: "gs://outputs-bucket/videos/op9/video-0.mp4". It is in this service\'s output bucket ' +
        '(gs://outputs-bucket/); extend one of your own videos by its operation id, or give a gs:// URI in another ' +
        'bucket or an https:// URL.',
    );
    assert.equal(blobs.served, 0);
    assert.equal(blobs.objects.size, 6);
  });

  test("an operation's stored output is described as that operation's video", async () => {
    const blobs = store();
    blobs.seed('gs://outputs-bucket/videos/op9/video-0.mp4', CLIP);
    const uri = 'gs://outputs-bucket/videos/op9/video-0.mp4';
    assert.deepEqual(await resolveStoredVideo(uri, 'op9', options(blobs)), {
      source: 'operation',
      uri,
      operationId: 'op9',
      ...CLIP_FACTS,
    });
    await refusedWith(
      resolveStoredVideo(`${BUCKET}/sim.mp4`, 'op8', options(blobs)),
      `Invalid video: "${BUCKET}/sim.mp4". The video is 12 fps; the model extends 24 fps videos. The video is ` +
        `320×180; the model extends ${SIZES}.`,
    );
    assert.equal(blobs.objects.size, 6);
  });

  test('an object over maxBytes is not read at all', async () => {
    const blobs = store();
    await refusal(resolveVideo(`${BUCKET}/long.mp4`, options(blobs, { maxBytes: 30000 })));
    assert.equal(blobs.served, 0);
  });
});

describe('resolveVideo: forms that are not read', () => {
  const ACCEPTED = 'Give a gs://BUCKET/OBJECT URI or an https:// URL of an MP4 video.';
  const cases: Array<[string, string]> = [
    ['http://videos.example.com/clip.mp4', `Only gs:// and https:// videos are read. ${ACCEPTED}`],
    ['file:///etc/passwd', `Only gs:// and https:// videos are read. ${ACCEPTED}`],
    ['data:video/mp4;base64,AAAAIGZ0eXA=', `Only gs:// and https:// videos are read. ${ACCEPTED}`],
    ['ftp://videos.example.com/clip.mp4', `Only gs:// and https:// videos are read. ${ACCEPTED}`],
    ['videos/clip.mp4', `It is not a URL. ${ACCEPTED}`],
    ['', `It is not a URL. ${ACCEPTED}`],
  ];
  for (const [value, allowed] of cases) {
    test(`${JSON.stringify(value)} is refused, naming the accepted forms, and nothing is fetched or written`, async () => {
      const blobs = new SeededBlobStore();
      let resolved = 0;
      const egress = {
        resolve: async (): Promise<ResolvedAddress[]> => {
          resolved++;
          return [{ address: '93.184.215.14', family: 4 }];
        },
      };
      await refusedWith(
        resolveVideo(value, { blobs, maxBytes: MAX, copyTo: () => 'videos/op1/input-video.mp4', egress }),
        `Invalid video: ${JSON.stringify(value)}. ${allowed}`,
      );
      assert.equal(resolved, 0);
      assert.equal(blobs.objects.size, 0);
      assert.equal(blobs.served, 0);
    });
  }
});

describe('resolveVideo: https', () => {
  const CA = readFileSync(new URL('../../fixtures/tls/test-only.crt', import.meta.url));
  const KEY = readFileSync(new URL('../../fixtures/tls/test-only.key', import.meta.url));
  let server: Server;
  let port: number;
  let base: string;
  const requests: string[] = [];
  const mp4 =
    (bytes: Buffer) =>
    (_req: IncomingMessage, res: ServerResponse): void => {
      // The Content-Type is a lie for the PNG: the bytes decide.
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length }).end(bytes);
    };
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/clip.mp4': mp4(CLIP),
    '/moov-last.mp4': mp4(MOOV_LAST),
    '/long.mp4': mp4(LONG),
    '/cat.mp4': mp4(PNG),
    '/cut.mp4': mp4(LONG.subarray(0, 20000)),
    '/audio.mp4': mp4(AUDIO_ONLY),
    '/empty.mp4': mp4(Buffer.alloc(0)),
    '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
    '/to-metadata': (_req, res) =>
      res.writeHead(302, { location: 'https://169.254.169.254/computeMetadata/v1/' }).end(),
    '/slow': (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(CLIP.subarray(0, 100)); // ...and never ends.
    },
    '/gone.mp4': (_req, res) => res.writeHead(404).end('not here'),
  };

  before(async () => {
    server = createServer({ key: KEY, cert: CA }, (req, res) => {
      requests.push(req.url!);
      const route = routes[req.url!];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `https://images.test:${port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /**
   * images.test and rebind.test (both on the test-only certificate; only images.test is a test host) resolve to the
   * loopback server through an injected resolver.
   */
  const options = (blobs: MemoryBlobStore, over: Partial<VideoOptions> = {}): VideoOptions => ({
    blobs,
    maxBytes: MAX,
    copyTo: () => 'videos/op1/input-video.mp4',
    rules: RULES,
    egress: {
      ca: CA,
      testHosts: [`images.test:${port}`],
      resolve: async (host) => {
        if (host !== 'images.test' && host !== 'rebind.test') throw new Error(`ENOTFOUND ${host}`);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    },
    ...over,
  });

  for (const path of ['/clip.mp4', '/moov-last.mp4']) {
    test(`${path} is checked, then copied into the blob store, and the reference points at the copy`, async () => {
      const blobs = new MemoryBlobStore();
      const found = await resolveVideo(`${base}${path}`, options(blobs));
      assert.deepEqual(found, {
        source: 'https',
        uri: 'mem://videos/op1/input-video.mp4',
        sourceUrl: `${base}${path}`,
        ...CLIP_FACTS,
      });
      assert.deepEqual([...blobs.objects.keys()], ['mem://videos/op1/input-video.mp4']);
      assert.deepEqual(
        blobs.contents.get('mem://videos/op1/input-video.mp4'),
        path === '/clip.mp4' ? CLIP : MOOV_LAST,
      );
    });
  }

  const refusals: Array<[string, string, Partial<VideoOptions>, (url: string) => string]> = [
    [
      'a PNG served as video/mp4',
      '/cat.mp4',
      {},
      (url) => `Invalid video: "${url}". Its bytes are image/png; ${MP4}`,
    ],
    [
      'a truncated MP4',
      '/cut.mp4',
      {},
      (url) =>
        `Invalid video: "${url}". It is truncated: its frames reach byte 36769 but it has 20000 bytes; ${MP4}`,
    ],
    [
      'an MP4 without a video track',
      '/audio.mp4',
      {},
      (url) => `Invalid video: "${url}". It has no video track (its tracks: audio); ${MP4}`,
    ],
    ['0 bytes', '/empty.mp4', {}, (url) => `Invalid video: "${url}". It is empty; ${MP4}`],
    [
      'a video longer than the model extends',
      '/long.mp4',
      {},
      (url) => `Invalid video: "${url}". The video is 31 s long; the model extends videos of 1 to 30 s.`,
    ],
    [
      'a video over maxBytes',
      '/long.mp4',
      { maxBytes: 30000 },
      (url) =>
        `Invalid video: "${url}". It is not fetched: its answer is 36769 bytes, over the 30000-byte limit. ` +
        'Videos may be at most 30000 bytes (MAX_VIDEO_BYTES), from public https hosts.',
    ],
    [
      'a redirect loop',
      '/loop',
      {},
      (url) =>
        `Invalid video: "${url}". It is not fetched: it redirects more than 3 times. Videos may be at most ` +
        `${MAX} bytes (MAX_VIDEO_BYTES), from public https hosts.`,
    ],
    [
      'a redirect to the metadata server',
      '/to-metadata',
      {},
      (url) =>
        `Invalid video: "${url}". It is not fetched: 169.254.169.254 is a private, loopback, link-local ` +
        '(metadata), CGNAT, multicast or reserved IPv4 address; only public internet addresses are contacted. ' +
        `Videos may be at most ${MAX} bytes (MAX_VIDEO_BYTES), from public https hosts.`,
    ],
    [
      'a server that never finishes',
      '/slow',
      { timeoutMs: 150 },
      (url) =>
        `Invalid video: "${url}". It could not be fetched (no complete answer within 150 ms); the URL must be ` +
        'reachable over https.',
    ],
    [
      'a URL answering 404',
      '/gone.mp4',
      {},
      (url) => `Invalid video: "${url}". Fetching it answered HTTP 404; the URL must return the video.`,
    ],
  ];
  for (const [name, path, over, message] of refusals) {
    test(`${name} is refused and nothing is written`, async () => {
      const blobs = new MemoryBlobStore();
      const url = `${base}${path}`;
      await refusedWith(resolveVideo(url, options(blobs, over)), message(url));
      assert.equal(blobs.objects.size, 0);
    });
  }

  // GcsBlobStore writes create-only (ifGenerationMatch: 0) and keeps what is already at a key. (The Storage
  // emulator does not enforce that precondition, so this is shown on a store that keeps, as GCS does.)
  test('a copy key that already holds another object is an internal error, not a silent swap', async () => {
    const blobs = new (class extends MemoryBlobStore {
      override async put(key: string, body: Readable | Buffer, mimeType: string) {
        return this.objects.get(`mem://${key}`) ?? super.put(key, body, mimeType);
      }
    })();
    await blobs.put('videos/op1/input-video.mp4', LONG, 'video/mp4');
    const err = await refusal(resolveVideo(`${base}/clip.mp4`, options(blobs)));
    assert.equal(err.code, 'INTERNAL');
    assert.equal(
      err.message,
      'mem://videos/op1/input-video.mp4 already holds another object (36769 bytes, not 3974).',
    );
    assert.deepEqual(blobs.contents.get('mem://videos/op1/input-video.mp4'), LONG);
  });

  test('a name resolving to a private address is refused before anything is sent', async () => {
    const blobs = new MemoryBlobStore();
    requests.length = 0;
    const url = `https://rebind.test:${port}/clip.mp4`;
    await refusedWith(
      resolveVideo(url, options(blobs)),
      `Invalid video: "${url}". It is not fetched: rebind.test resolves to 127.0.0.1, which is a private, ` +
        'loopback, link-local (metadata), CGNAT, multicast or reserved IPv4 address; only public internet ' +
        `addresses are contacted. Videos may be at most ${MAX} bytes (MAX_VIDEO_BYTES), from public https hosts.`,
    );
    assert.deepEqual(requests, []);
    assert.equal(blobs.objects.size, 0);
  });

  test('a private address literal is refused before anything is sent', async () => {
    const blobs = new MemoryBlobStore();
    await refusedWith(
      resolveVideo('https://10.0.0.5/clip.mp4', options(blobs)),
      'Invalid video: "https://10.0.0.5/clip.mp4". It is not fetched: 10.0.0.5 is a private, loopback, ' +
        'link-local (metadata), CGNAT, multicast or reserved IPv4 address; only public internet addresses are ' +
        `contacted. Videos may be at most ${MAX} bytes (MAX_VIDEO_BYTES), from public https hosts.`,
    );
    assert.equal(blobs.objects.size, 0);
  });
});
