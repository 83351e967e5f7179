import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../../functions/src/config/index.js';

/** Shaped like a Google API key (AIza + 35 characters); not a real one. */
const GEMINI_KEY = `AIza${'Sy0-test_key'.padEnd(35, 'x')}`;

describe('config', () => {
  test('with no credentials the simulator backend is chosen, on port 8080', () => {
    const config = loadConfig({});
    assert.equal(config.veo.backend, 'simulator');
    assert.equal(config.veo.api, 'vertex', 'the simulator speaks the Vertex AI wire protocol');
    assert.equal(config.port, 8080);
    assert.equal(config.publicBaseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.veo.useGoogleCredentials, false);
  });

  test('an API key selects the Gemini API, which serves Omni: the default model is the current Omni Flash', () => {
    for (const env of [{ GEMINI_API_KEY: GEMINI_KEY }, { GOOGLE_API_KEY: GEMINI_KEY }]) {
      const { veo } = loadConfig(env);
      assert.deepEqual([veo.backend, veo.api, veo.defaultModel], ['gemini', 'gemini', 'gemini-omni-1.2-flash']);
      assert.equal(veo.apiKey, GEMINI_KEY);
    }
    // The embedded simulator plays either API.
    const sim = loadConfig({ SIMULATOR_API: 'gemini' });
    assert.deepEqual([sim.veo.backend, sim.veo.api, sim.veo.defaultModel], ['simulator', 'gemini', 'gemini-omni-1.2-flash']);
    assert.equal(loadConfig({}).veo.defaultModel, 'veo-3.1-fast-generate-001', 'Veo 3.1 Fast on Vertex AI');
  });

  test('VEO_BACKEND=gemini without a key, or naming a Veo model, is refused at startup without echoing secrets', () => {
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'gemini' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /GEMINI_API_KEY: required when VEO_BACKEND=gemini/);
        assert.match(err.message, /serves Gemini Omni only; Veo needs VEO_BACKEND=vertex/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ GEMINI_API_KEY: GEMINI_KEY, VEO_DEFAULT_MODEL: 'veo-3.1-fast-generate-001' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /VEO_DEFAULT_MODEL="veo-3\.1-fast-generate-001": is served on the vertex API only, not on gemini; live models: gemini-omni-1\.2-flash, gemini-omni-1\.1-flash/,
        );
        assert.ok(!err.message.includes(GEMINI_KEY), 'the key is never echoed');
        return true;
      },
    );
  });

  test('Vertex credentials win over a leftover API key, and an explicit simulator ignores it', () => {
    const vertex = loadConfig({
      GEMINI_API_KEY: GEMINI_KEY,
      GOOGLE_GENAI_USE_VERTEXAI: 'true',
      GOOGLE_CLOUD_PROJECT: 'p',
    });
    assert.equal(vertex.veo.backend, 'vertex');
    assert.equal(vertex.veo.useGoogleCredentials, true);
    assert.equal(vertex.poll.intervalSeconds, 10);
    assert.equal(
      loadConfig({ GEMINI_API_KEY: GEMINI_KEY, VEO_BACKEND: 'simulator' }).veo.backend,
      'simulator',
    );
  });

  test('GOOGLE_GENAI_USE_VERTEXAI with a project selects vertex', () => {
    const config = loadConfig({ GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_CLOUD_PROJECT: 'p' });
    assert.equal(config.veo.backend, 'vertex');
    assert.equal(config.veo.location, 'us-central1');
  });

  test('a backend pointed at a custom endpoint without credentials sends none', () => {
    const config = loadConfig({
      VEO_BACKEND: 'vertex',
      GOOGLE_CLOUD_PROJECT: 'p',
      VEO_BASE_URL: 'http://127.0.0.1:9999/',
    });
    assert.equal(config.veo.useGoogleCredentials, false);
    assert.equal(config.veo.baseUrl, 'http://127.0.0.1:9999');
  });

  test('a bad value fails naming the variable and the allowed values', () => {
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'openai' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /VEO_BACKEND="openai": must be one of: vertex, gemini, simulator/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ PORT: 'eighty' }),
      /PORT="eighty": must be an integer between 1 and 65535/,
    );
    assert.throws(() => loadConfig({ STORE: 'redis' }), /STORE="redis": must be one of: memory/);
  });

  test('secrets are never echoed in configuration errors', () => {
    assert.throws(
      () => loadConfig({ LOCAL_BLOB_SIGNING_KEY: 'short-secret' }),
      (err: Error) => {
        assert.match(err.message, /LOCAL_BLOB_SIGNING_KEY=<redacted>: must be at least 32 characters/);
        assert.doesNotMatch(err.message, /short-secret/);
        return true;
      },
    );
  });

  test('vertex without a project fails with what is required', () => {
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'vertex' }),
      /GOOGLE_CLOUD_PROJECT: required when VEO_BACKEND=vertex/,
    );
  });

  test('every bad setting is reported at once, one line each, cross-field rules included', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          STORE: 'firestore',
          QUEUE: 'pubsub',
          BLOBS: 'gcs',
          AUTH_MODE: 'api_key',
          WEBHOOK_SIGNING_SECRET: 'too-short-secret',
          POLL_INTERVAL_SECONDS: '0',
        }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.name),
          [
            'PORT',
            'WEBHOOK_SIGNING_SECRET',
            'POLL_INTERVAL_SECONDS',
            'GOOGLE_CLOUD_PROJECT',
            'OUTPUT_BUCKET',
          ],
        );
        const lines = err.message
          .split('\n')
          .slice(1)
          .map((line) => line.trim());
        assert.deepEqual(lines, [
          'PORT="eighty": must be an integer between 1 and 65535',
          'WEBHOOK_SIGNING_SECRET=<redacted>: must be at least 32 characters',
          'POLL_INTERVAL_SECONDS="0": must be a number of seconds greater than 0 and at most 600 (fractions allowed, e.g. 0.05)',
          'GOOGLE_CLOUD_PROJECT: required when STORE=firestore, and when QUEUE=pubsub',
          'OUTPUT_BUCKET: required when BLOBS=gcs (the bucket Veo writes videos to)',
        ]);
        assert.doesNotMatch(err.message, /too-short-secret/);
        return true;
      },
    );
  });

  test('a variable that is itself bad is not also reported as missing by a cross-field rule', () => {
    assert.throws(
      () =>
        loadConfig({
          AUTH_MODE: 'api_key',
          API_KEY_HASHES: 'plain-key',
          VEO_BACKEND: 'openai',
          GEMINI_API_KEY: GEMINI_KEY,
        }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => `${p.name}: ${p.reason}`),
          [
            'VEO_BACKEND: must be one of: vertex, gemini, simulator',
            'API_KEY_HASHES: must be comma-separated SHA-256 hex digests of the accepted API keys',
          ],
        );
        return true;
      },
    );
  });

  test('a Gemini backend without its key is reported together with other problems', () => {
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'gemini', BLOBS: 'gcs' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.name),
          ['GEMINI_API_KEY', 'OUTPUT_BUCKET'],
        );
        return true;
      },
    );
  });

  test('poll, deadline, sweep and hold settings accept fractions of a second', () => {
    const config = loadConfig({
      POLL_INITIAL_DELAY_SECONDS: '0.05',
      POLL_INTERVAL_SECONDS: '0.05',
      POLL_MAX_INTERVAL_SECONDS: '0.2',
      VEO_OPERATION_DEADLINE_SECONDS: '1.5',
      SWEEP_GRACE_SECONDS: '0.1',
      POLL_HANDLER_MAX_WAIT_SECONDS: '0.25',
    });
    assert.deepEqual(config.poll, {
      initialDelaySeconds: 0.05,
      intervalSeconds: 0.05,
      maxIntervalSeconds: 0.2,
    });
    assert.equal(config.veo.operationDeadlineSeconds, 1.5);
    assert.equal(config.queue.sweepGraceSeconds, 0.1);
    assert.equal(config.queue.handlerMaxWaitSeconds, 0.25);
  });

  test('zero is refused where it makes no sense and allowed where it means "none"', () => {
    for (const name of [
      'POLL_INITIAL_DELAY_SECONDS',
      'POLL_INTERVAL_SECONDS',
      'POLL_MAX_INTERVAL_SECONDS',
      'VEO_OPERATION_DEADLINE_SECONDS',
    ]) {
      assert.throws(
        () => loadConfig({ [name]: '0' }),
        new RegExp(`${name}="0": must be a number of seconds greater than 0`),
      );
      assert.throws(() => loadConfig({ [name]: '-1' }), new RegExp(`${name}="-1": must be`));
    }
    const zero = loadConfig({ SWEEP_GRACE_SECONDS: '0', POLL_HANDLER_MAX_WAIT_SECONDS: '0' });
    assert.equal(zero.queue.sweepGraceSeconds, 0);
    assert.equal(zero.queue.handlerMaxWaitSeconds, 0);
    assert.throws(
      () => loadConfig({ POLL_HANDLER_MAX_WAIT_SECONDS: '301' }),
      /POLL_HANDLER_MAX_WAIT_SECONDS="301": must be a number of seconds from 0 to 300/,
    );
    assert.throws(
      () => loadConfig({ SWEEP_GRACE_SECONDS: 'soon' }),
      /SWEEP_GRACE_SECONDS="soon": must be a number/,
    );
  });

  test('emulator hosts and the credentials file become explicit settings for the Google clients', () => {
    const config = loadConfig({
      GOOGLE_CLOUD_PROJECT: 'demo',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:8681',
      PUBSUB_EMULATOR_HOST: 'localhost:8682',
      STORAGE_EMULATOR_HOST: '127.0.0.1:9199',
      GOOGLE_APPLICATION_CREDENTIALS: '/tmp/key.json',
    });
    assert.equal(config.store.emulatorHost, '127.0.0.1:8681');
    assert.equal(config.queue.emulatorHost, 'localhost:8682');
    assert.equal(config.blobs.emulatorHost, 'http://127.0.0.1:9199', 'a bare host:port is plain http');
    assert.deepEqual(config.google, { project: 'demo', credentialsFile: '/tmp/key.json' });
    assert.equal(
      loadConfig({ STORAGE_EMULATOR_HOST: 'https://gcs.local:4443/' }).blobs.emulatorHost,
      'https://gcs.local:4443',
    );
    assert.throws(
      () => loadConfig({ FIRESTORE_EMULATOR_HOST: 'http://127.0.0.1:8681' }),
      /FIRESTORE_EMULATOR_HOST="http:\/\/127.0.0.1:8681": must be host:port of the emulator/,
    );
  });

  test("VEO_NOTICE_TOPIC names Veo's notice topic; VEO_COMPLETION_TOPIC is still accepted for it", () => {
    const notices = 'projects/p/topics/veo-poll-notices';
    const pubsub = { GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_CLOUD_PROJECT: 'p', QUEUE: 'pubsub' };
    for (const env of [
      { ...pubsub, VEO_NOTICE_TOPIC: notices },
      { ...pubsub, VEO_COMPLETION_TOPIC: notices },
      { ...pubsub, VEO_NOTICE_TOPIC: notices, VEO_COMPLETION_TOPIC: notices },
      pubsub,
    ]) {
      const { queue, pipelines } = loadConfig(env);
      assert.equal(queue.veoNoticeTopic, notices, JSON.stringify(env));
      assert.equal(queue.completionTopic, notices, 'the old field name still reads the same topic');
      assert.equal(
        pipelines.completionsTopic,
        'veo-completions',
        'our completion events have their own topic',
      );
    }
    assert.equal(loadConfig({}).queue.veoNoticeTopic, undefined, 'no notices without Pub/Sub');
  });

  test('VEO_NOTICE_TOPIC and its deprecated name set to different topics is an error naming both', () => {
    assert.throws(
      () =>
        loadConfig({
          VEO_NOTICE_TOPIC: 'projects/p/topics/notices-a',
          VEO_COMPLETION_TOPIC: 'projects/p/topics/notices-b',
        }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /VEO_COMPLETION_TOPIC="projects\/p\/topics\/notices-b": is the deprecated name of VEO_NOTICE_TOPIC, which is set to "projects\/p\/topics\/notices-a": the two differ/,
        );
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ VEO_NOTICE_TOPIC: 'veo-poll-notices' }),
      /VEO_NOTICE_TOPIC="veo-poll-notices": must be a full Pub\/Sub topic name: projects\/PROJECT\/topics\/TOPIC/,
    );
  });

  test('the request-body budget defaults to an eighth of the memory, never below one largest body', () => {
    const memory = Math.min(process.constrainedMemory() || Infinity, totalmem());
    assert.equal(loadConfig({}).maxRequestBytesInFlight, Math.max(32 * 1024 * 1024, Math.floor(memory / 8)));
    assert.equal(
      loadConfig({ MAX_REQUEST_BYTES: '2048', MAX_REQUEST_BYTES_IN_FLIGHT: '4096' }).maxRequestBytesInFlight,
      4096,
    );
    assert.throws(
      () => loadConfig({ MAX_REQUEST_BYTES: '4096', MAX_REQUEST_BYTES_IN_FLIGHT: '2048' }),
      /MAX_REQUEST_BYTES_IN_FLIGHT="2048": is less than MAX_REQUEST_BYTES \(4096\): a body of the largest allowed size could never be read/,
    );
  });

  test('every variable is documented in .env.example and the README configuration table', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES.filter((n) => n !== 'K_SERVICE')) {
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} in .env.example`);
      assert.match(readme, new RegExp(`\\| \`${name}\` +\\|`), `${name} in README`);
    }
  });
});
