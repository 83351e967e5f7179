import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../functions/src/config/index.js';

describe('config', () => {
  test('with no credentials the simulator backend is chosen, on port 8080', () => {
    const config = loadConfig({});
    assert.equal(config.veo.backend, 'simulator');
    assert.equal(config.veo.api, 'gemini');
    assert.equal(config.port, 8080);
    assert.equal(config.publicBaseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.veo.useGoogleCredentials, false);
  });

  test('a Gemini API key selects the gemini backend with credentials', () => {
    const config = loadConfig({ GEMINI_API_KEY: 'k' });
    assert.equal(config.veo.backend, 'gemini');
    assert.equal(config.veo.useGoogleCredentials, true);
    assert.equal(config.poll.intervalSeconds, 10);
  });

  test('GOOGLE_GENAI_USE_VERTEXAI with a project selects vertex', () => {
    const config = loadConfig({ GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_CLOUD_PROJECT: 'p' });
    assert.equal(config.veo.backend, 'vertex');
    assert.equal(config.veo.location, 'us-central1');
  });

  test('a backend pointed at a custom endpoint without credentials sends none', () => {
    const config = loadConfig({ VEO_BACKEND: 'gemini', VEO_BASE_URL: 'http://127.0.0.1:9999/' });
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

  test('vertex without a project and gemini without a key fail with what is required', () => {
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'vertex' }),
      /GOOGLE_CLOUD_PROJECT: required when VEO_BACKEND=vertex/,
    );
    assert.throws(
      () => loadConfig({ VEO_BACKEND: 'gemini' }),
      /GEMINI_API_KEY: required when VEO_BACKEND=gemini/,
    );
  });

  test('every variable is documented in .env.example and the README configuration table', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES.filter((n) => n !== 'K_SERVICE')) {
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} in .env.example`);
      assert.match(readme, new RegExp(`\\| \`${name}\` +\\|`), `${name} in README`);
    }
  });
});
