// MCP Apps with GCS outputs (the Storage emulator): the origin the player's CSP allows is the origin of a real signed
// GCS link, and the player plays a video from it in headless chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { GcsBlobStore } from '../../functions/src/blobs/gcs.js';
import { loadConfig, type Config } from '../../functions/src/config/index.js';
import { createStorage } from '../../functions/src/google-clients.js';
import { mediaOrigins, resourceUiMeta } from '../../functions/src/mcp/apps/index.js';
import { playerHtml } from '../../functions/src/mcp/apps/player.js';
import { operationResult, type OperationView } from '../../functions/src/mcp/operation-view.js';
import { chromiumMissing, launchAppsBrowser, playVideo } from '../helpers/apps-browser.js';
import {
  cloudSettings,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';

const BUCKET = 'veo-apps-test';
const CLIP = readFileSync(new URL('../fixtures/video-720p-24fps-2s.mp4', import.meta.url));

describe('MCP Apps with GCS signed links', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let config: Config;
  let view: OperationView;

  before(async () => {
    emulators = await useEmulators();
    const name = uniqueNames('apps');
    config = loadConfig(cloudSettings(emulators, { bucket: BUCKET, name, veoBaseUrl: 'http://127.0.0.1:9' }));
    const blobs = new GcsBlobStore(await createStorage(config), BUCKET);
    const key = `${name('run')}/op-apps/video-0.mp4`;
    await blobs.put(key, CLIP, 'video/mp4');
    const uri = `gs://${BUCKET}/${key}`;
    const link = await blobs.signedUrl(uri, 600);
    const now = new Date().toISOString();
    view = {
      operation_id: 'op-apps',
      resource_uri: 'veo-mcp://operations/op-apps',
      status: 'SUCCEEDED',
      done: true,
      backend: 'vertex',
      model: 'veo-3.1-fast-generate-001',
      mode: 'generate',
      prompt: 'A paper boat on a pond',
      aspect_ratio: '16:9',
      duration_seconds: 2,
      number_of_videos: 1,
      estimated_cost_usd: 0.3,
      created_at: now,
      updated_at: now,
      completed_at: now,
      videos: [
        { url: link.url, expires_at: link.expiresAt, uri, mime_type: 'video/mp4', bytes: CLIP.length },
      ],
      next_step: 'Download the video.',
    };
  });
  after(() => emulators?.stop());

  test('the CSP names exactly the origin of the signed GCS link', () => {
    const origin = new URL(view.videos[0]!.url).origin;
    assert.deepEqual(mediaOrigins(config), [origin]);
    assert.deepEqual(resourceUiMeta(mediaOrigins(config)).csp?.resourceDomains, [origin]);
    assert.match(playerHtml(mediaOrigins(config)), new RegExp(`media-src ${origin};`));
  });

  test('the player plays the video from the signed GCS link', async (t) => {
    const missing = await chromiumMissing();
    if (missing) return t.skip(missing);
    const browser = await launchAppsBrowser();
    try {
      const { frame, consoleErrors } = await browser.open(
        playerHtml(mediaOrigins(config)),
        { operation_id: view.operation_id },
        operationResult(view, 'Operation SUCCEEDED.'),
      );
      await frame.waitForSelector('video');
      const playback = await playVideo(frame);
      assert.equal(playback.error, undefined, consoleErrors.join('\n'));
      assert.ok(playback.currentTime > 0 && playback.readyState >= 2, JSON.stringify(playback));
      assert.match((await frame.textContent('main')) ?? '', /\$0\.30 estimated at list price/);
    } finally {
      await browser.close();
    }
  });
});
