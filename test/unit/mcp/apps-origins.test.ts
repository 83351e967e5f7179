// The MCP Apps CSP origin for BLOBS=gcs is the origin of the V4 URLs GcsBlobStore signs on Google Cloud (no emulator),
// signed offline with a throwaway service-account key: no request leaves the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GcsBlobStore } from '../../../functions/src/blobs/gcs.js';
import { loadConfig } from '../../../functions/src/config/index.js';
import { createStorage } from '../../../functions/src/google-clients.js';
import { GCS_ORIGIN, mediaOrigins } from '../../../functions/src/mcp/apps/index.js';
import { writeServiceAccountKey } from '../../helpers/service-account.js';

test('with BLOBS=gcs on Google Cloud the apps allow exactly the origin of a signed GCS link', async () => {
  const saved = process.env.STORAGE_EMULATOR_HOST; // The client library would prefer it over the Config.
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    const config = loadConfig({
      GOOGLE_CLOUD_PROJECT: 'demo-apps',
      GOOGLE_APPLICATION_CREDENTIALS: writeServiceAccountKey('demo-apps'),
      BLOBS: 'gcs',
      OUTPUT_BUCKET: 'apps-bucket',
    });
    const blobs = new GcsBlobStore(await createStorage(config), 'apps-bucket');
    const { url } = await blobs.signedUrl('gs://apps-bucket/op/video-0.mp4', 600);
    assert.deepEqual(mediaOrigins(config), [new URL(url).origin]);
    assert.equal(new URL(url).origin, GCS_ORIGIN);
  } finally {
    if (saved !== undefined) process.env.STORAGE_EMULATOR_HOST = saved;
  }
});

test('media origins: GCS, the storage emulator, or the local blob server (PUBLIC_BASE_URL without its path)', () => {
  const blobs = { dir: '.blobs', signedUrlTtlSeconds: 3600 };
  assert.deepEqual(
    mediaOrigins({ blobs: { ...blobs, kind: 'gcs', bucket: 'b' }, publicBaseUrl: 'http://127.0.0.1:8080' }),
    [GCS_ORIGIN],
  );
  assert.deepEqual(
    mediaOrigins({
      blobs: { ...blobs, kind: 'gcs', bucket: 'b', emulatorHost: 'http://127.0.0.1:9023' },
      publicBaseUrl: 'http://127.0.0.1:8080',
    }),
    ['http://127.0.0.1:9023'],
  );
  assert.deepEqual(
    mediaOrigins({ blobs: { ...blobs, kind: 'local' }, publicBaseUrl: 'https://videos.example.com/base/' }),
    ['https://videos.example.com'],
  );
});
