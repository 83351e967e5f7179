// An https input video's copy is named by its content (input-video.ts copyTo(sha256); extend-video.ts adds the caller).
// GCS writes are create-only (blobs/gcs.ts put: ifGenerationMatch 0, a 412 keeps the object already there), shown here
// on a store that keeps, as input-video.test.ts does. Found in review: named by caller + URL, a URL whose content
// changed would have sent Veo the OLD video (same size) or failed a valid call as INTERNAL (another size).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { resolveVideo, type VideoOptions } from '../../../functions/src/video/input-video.js';
import { MemoryBlobStore } from '../operations/harness.js';

// One suite, so its hooks are its own when the file shares a process with others (test/lanes/).
describe('an https input video is copied under its content hash', () => {
  const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
  const A = fixture('video-720p-24fps-2s.mp4');
  const B = fixture('video-720p-24fps-2s-moov-end.mp4'); // same size as A, other bytes
  const CA = fixture('tls/test-only.crt');
  const KEY = fixture('tls/test-only.key');

  class KeepingStore extends MemoryBlobStore {
    override async put(key: string, body: Readable | Buffer, mimeType: string) {
      return this.objects.get(`mem://${key}`) ?? super.put(key, body, mimeType);
    }
  }

  let server: Server;
  let port: number;
  let serving = A;
  before(async () => {
    server = createServer({ key: KEY, cert: CA }, (_req, res) =>
      res.writeHead(200, { 'content-length': serving.length }).end(serving),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  // As extend-video.ts builds it: principal + the video's sha256.
  const url = () => `https://images.test:${port}/v.mp4`;
  const copyTo = (sha256: string) =>
    `videos/inputs/${createHash('sha256').update(`alice\n${sha256}`).digest('hex')}.mp4`;
  const options = (blobs: MemoryBlobStore): VideoOptions => ({
    blobs,
    maxBytes: 1_000_000,
    copyTo,
    rules: {
      minSeconds: 1,
      maxSeconds: 30,
      fps: 24,
      sizes: [{ width: 1280, height: 720, label: '720p 16:9' }],
    },
    egress: {
      ca: CA,
      testHosts: [`images.test:${port}`],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    },
  });

  test('same URL, new content of the same size: the copy the model reads is the new video', async () => {
    const blobs = new KeepingStore();
    serving = A;
    await resolveVideo(url(), options(blobs));
    serving = B;
    const second = await resolveVideo(url(), options(blobs));
    assert.deepEqual(blobs.contents.get(second.uri), B, 'Veo extends the video the URL serves now');
  });

  test('same URL, new content of another size: a valid call is not an INTERNAL error', async () => {
    const blobs = new KeepingStore();
    serving = A;
    await resolveVideo(url(), options(blobs));
    serving = Buffer.concat([B, Buffer.from('00000010667265650000000000000000', 'hex')]); // + a 16-byte free box
    const second = await resolveVideo(url(), options(blobs));
    assert.equal(second.bytes, serving.length);
  });
});
