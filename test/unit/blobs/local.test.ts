import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../../functions/src/blobs/local.js';
import { AppError } from '../../../functions/src/errors.js';

describe('local blob store', () => {
  let dir: string;
  let server: Server;
  let store: LocalBlobStore;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
    server = createServer((req, res) => void store.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = new LocalBlobStore({ dir, publicBaseUrl: base, signingKey: 'k'.repeat(32) });
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a signed link downloads what was stored', async () => {
    const stored = await store.put('videos/op1/video-0.mp4', Buffer.from('movie bytes'), 'video/mp4');
    assert.deepEqual(stored, { uri: 'local:videos/op1/video-0.mp4', mimeType: 'video/mp4', bytes: 11 });
    const { url } = await store.signedUrl(stored.uri, 60);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'movie bytes');
    assert.deepEqual(await store.stat(stored.uri), stored);
  });

  test('byte ranges are served for video players', async () => {
    const stored = await store.put('videos/op2/video-0.mp4', Buffer.from('0123456789'), 'video/mp4');
    const { url } = await store.signedUrl(stored.uri, 60);
    const response = await fetch(url, { headers: { range: 'bytes=2-4' } });
    assert.equal(response.status, 206);
    assert.equal(await response.text(), '234');
    assert.equal(response.headers.get('content-range'), 'bytes 2-4/10');
  });

  test('a tampered link is refused with 403', async () => {
    const stored = await store.put('videos/op3/video-0.mp4', Buffer.from('x'), 'video/mp4');
    const { url } = await store.signedUrl(stored.uri, 60);
    const otherKey = url.replace('op3', 'op1');
    assert.equal((await fetch(otherKey)).status, 403);
    const longer = url.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 1000}`);
    assert.equal((await fetch(longer)).status, 403);
    const forged = url.replace(
      /signature=([0-9a-f])/,
      (_m, c: string) => `signature=${c === '0' ? '1' : '0'}`,
    );
    assert.equal((await fetch(forged)).status, 403);
  });

  test('an expired link is refused with 403', async () => {
    const stored = await store.put('videos/op4/video-0.mp4', Buffer.from('x'), 'video/mp4');
    const { url } = await store.signedUrl(stored.uri, -1);
    const response = await fetch(url);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /expired/);
  });

  test('path traversal is impossible, signed or not', async () => {
    await assert.rejects(store.put('../outside.mp4', Buffer.from('x'), 'video/mp4'), /Invalid blob key/);
    await assert.rejects(store.put('videos/../../x.mp4', Buffer.from('x'), 'video/mp4'), /Invalid blob key/);
    await assert.rejects(
      store
        .signedUrl('local:../../etc/passwd', 60)
        .then((s) => fetch(s.url))
        .then((r) => {
          if (r.status === 403) throw new Error('refused');
        }),
      /refused/,
    );
    const base = (await store.signedUrl('local:videos/op1/video-0.mp4', 60)).url.split('/blobs/')[0];
    for (const attempt of [
      '/blobs/..%2F..%2Fetc%2Fpasswd',
      '/blobs/%2Fetc%2Fpasswd',
      '/blobs/videos/..%2F..%2F..%2Fetc%2Fpasswd',
    ]) {
      assert.equal((await fetch(`${base}${attempt}?expires=9999999999&signature=00`)).status, 403, attempt);
    }
    assert.equal(await store.stat('local:../x'), undefined);
  });

  test('openRead streams a stored object', async () => {
    const stored = await store.put('videos/op5/input-video.mp4', Buffer.from('0123456789'), 'video/mp4');
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openRead(stored.uri)) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '0123456789');
  });

  test('openRead of an unknown object, another scheme or a key leaving the directory is NOT_FOUND naming it', async () => {
    for (const uri of [
      'local:videos/none/input-video.mp4',
      'gs://bucket/clip.mp4',
      'local:../../etc/passwd',
    ]) {
      await assert.rejects(
        store.openRead(uri),
        (err: unknown) =>
          err instanceof AppError && err.code === 'NOT_FOUND' && err.message === `No object ${uri}.`,
        uri,
      );
    }
  });
});
