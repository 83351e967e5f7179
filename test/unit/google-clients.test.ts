// The Google clients are pointed at what the Config names — emulator hosts, project, key file — without reading
// process.env: a Config built from a plain object yields clients aimed at its hosts. No request leaves the process.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../functions/src/config/index.js';
import {
  createFirestore,
  createPubSub,
  createStorage,
  keyFileAuth,
} from '../../functions/src/google-clients.js';
import { writeServiceAccountKey } from '../helpers/service-account.js';

const EMULATOR_VARIABLES = ['FIRESTORE_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST'];

describe('Google clients from Config', () => {
  // The client libraries prefer these variables over their options: make sure none is set, so the test shows that
  // the hosts come from the Config alone.
  const saved = new Map<string, string | undefined>();
  before(() => {
    for (const name of EMULATOR_VARIABLES) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
  });
  after(() => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  });

  const keyFile = writeServiceAccountKey('demo-clients');
  const config = loadConfig({
    GOOGLE_CLOUD_PROJECT: 'demo-clients',
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    STORE: 'firestore',
    FIRESTORE_DATABASE: 'db-1',
    FIRESTORE_EMULATOR_HOST: '127.0.0.1:18681',
    QUEUE: 'pubsub',
    PUBSUB_EMULATOR_HOST: '127.0.0.1:18682',
    BLOBS: 'gcs',
    OUTPUT_BUCKET: 'clients-bucket',
    STORAGE_EMULATOR_HOST: '127.0.0.1:19199',
  });

  test('Firestore talks plain gRPC to the emulator host, for the configured project and database', async () => {
    const { db } = await createFirestore(config);
    try {
      // Firestore keeps its resolved settings private; reading them is the only way to check without a request.
      const settings = (db as unknown as { _settings: Record<string, unknown> })._settings;
      assert.equal(settings['servicePath'], '127.0.0.1');
      assert.equal(settings['port'], 18681);
      assert.equal(settings['ssl'], false);
      assert.equal(settings['keyFilename'], undefined, 'no deprecated keyFilename');
      assert.equal(settings['auth'], await keyFileAuth(config), 'the credentials built from the key file');
      assert.equal(settings['projectId'], 'demo-clients');
      assert.equal(db.databaseId, 'db-1');
    } finally {
      await db.terminate();
    }
  });

  test('Pub/Sub is in emulator mode at the emulator host', async () => {
    const pubsub = await createPubSub(config);
    try {
      assert.equal(pubsub.isEmulator, true);
      assert.equal(pubsub.options.servicePath, '127.0.0.1');
      assert.equal(pubsub.options.port, 18682);
      assert.equal(pubsub.options.keyFilename, undefined, 'no deprecated keyFilename');
      assert.equal(pubsub.options.auth, await keyFileAuth(config), 'the credentials built from the key file');
      assert.equal(pubsub.projectId, 'demo-clients');
    } finally {
      await pubsub.close();
    }
  });

  test('Storage sends objects to the emulator and signs URLs for it with the key file, offline', async () => {
    const storage = await createStorage(config);
    assert.equal(storage.apiEndpoint, 'http://127.0.0.1:19199');
    assert.equal(storage.baseUrl, 'http://127.0.0.1:19199/storage/v1');
    const [url] = await storage
      .bucket('clients-bucket')
      .file('videos/a.mp4')
      .getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 60_000 });
    assert.match(url, /^http:\/\/127\.0\.0\.1:19199\/clients-bucket\/videos\/a\.mp4\?/);
    assert.match(url, /X-Goog-Credential=veo-mcp%40demo-clients\.iam\.gserviceaccount\.com/);
  });

  test('a key file builds its credentials without the deprecated options: no warning, one auth for all clients', async (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const fresh = loadConfig({
      GOOGLE_CLOUD_PROJECT: 'demo-clients',
      GOOGLE_APPLICATION_CREDENTIALS: writeServiceAccountKey('demo-clients'),
    });
    const storage = await createStorage(fresh);
    const pubsub = await createPubSub(fresh);
    try {
      const auth = await keyFileAuth(fresh)!;
      assert.equal(pubsub.options.auth, auth, 'the same credentials (one token cache)');
      assert.deepEqual(await auth.getCredentials(), {
        client_email: 'veo-mcp@demo-clients.iam.gserviceaccount.com',
        universe_domain: 'googleapis.com',
      });
      assert.equal(await auth.getProjectId(), 'demo-clients');
      assert.equal(storage.authClient.cachedCredential, await auth.getClient());
      assert.deepEqual(
        warn.mock.calls.map((c) => String(c.arguments[0])),
        [],
        'google-auth-library printed no deprecation warning',
      );
    } finally {
      await pubsub.close();
    }
  });

  test('a key file that is not a service-account or user key is refused naming the setting, the file and the type', async () => {
    const dir = path.dirname(writeServiceAccountKey('demo-clients'));
    const cases: Array<[string, string, RegExp]> = [
      [
        'external.json',
        JSON.stringify({ type: 'external_account', audience: 'x' }),
        /its type is "external_account"/,
      ],
      ['broken.json', '{"type": "service_account", "private_key": "-----BEGIN', /is not JSON/],
      ['list.json', '[1]', /is not a JSON object/],
      ['untyped.json', '{}', /it has no "type"/],
      [
        'no-email.json',
        JSON.stringify({ type: 'service_account', private_key: 'k' }),
        /"client_email" is missing/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const bad = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-clients', GOOGLE_APPLICATION_CREDENTIALS: file });
      await assert.rejects(createStorage(bad), (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`^GOOGLE_APPLICATION_CREDENTIALS=${file.replace(/[.]/g, '\\.')}: `),
        );
        assert.match(err.message, expected);
        assert.match(err.message, /Allowed: a service_account or authorized_user JSON file\.$/);
        assert.doesNotMatch(err.message, /BEGIN/, 'no key bytes in the message');
        return true;
      });
    }
    const missing = loadConfig({
      GOOGLE_CLOUD_PROJECT: 'demo-clients',
      GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'absent.json'),
    });
    await assert.rejects(createFirestore(missing), /absent\.json: cannot be read \(ENOENT\)/);
  });

  test('without emulator hosts the clients keep Google endpoints', async () => {
    const cloud = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-clients', STORE: 'firestore', QUEUE: 'pubsub' });
    const { db } = await createFirestore(cloud);
    const pubsub = await createPubSub(cloud);
    const storage = await createStorage(cloud);
    try {
      const settings = (db as unknown as { _settings: Record<string, unknown> })._settings;
      assert.equal(settings['servicePath'], undefined);
      assert.notEqual(settings['ssl'], false);
      assert.equal(pubsub.isEmulator, false);
      assert.equal(storage.apiEndpoint, 'https://storage.googleapis.com');
    } finally {
      await db.terminate();
      await pubsub.close();
    }
  });
});
