import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../functions/src/config/index.js';

describe('config', () => {
  test('with no credentials the simulator backend is chosen, on port 8080', () => {
    const config = loadConfig({});
    assert.equal(config.veo.backend, 'simulator');
    assert.equal(config.veo.api, 'vertex', 'the simulator speaks the Vertex AI wire protocol');
    assert.equal(config.port, 8080);
    assert.equal(config.publicBaseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.veo.useGoogleCredentials, false);
  });

  test('Veo on the Gemini API is refused at startup with the retirement and what to use instead', () => {
    for (const env of [{ VEO_BACKEND: 'gemini' }, { GEMINI_API_KEY: 'k' }, { GOOGLE_API_KEY: 'k' }]) {
      assert.throws(
        () => loadConfig(env),
        (err: Error) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /Gemini API serves no Veo model since 2026-10-22/);
          assert.match(err.message, /GOOGLE_GENAI_USE_VERTEXAI=true and GOOGLE_CLOUD_PROJECT/);
          assert.doesNotMatch(err.message, /=k\b|"k"/, 'the key is never echoed');
          return true;
        },
      );
    }
  });

  test('Vertex credentials win over a leftover API key, and an explicit simulator ignores it', () => {
    const vertex = loadConfig({
      GEMINI_API_KEY: 'k',
      GOOGLE_GENAI_USE_VERTEXAI: 'true',
      GOOGLE_CLOUD_PROJECT: 'p',
    });
    assert.equal(vertex.veo.backend, 'vertex');
    assert.equal(vertex.veo.useGoogleCredentials, true);
    assert.equal(vertex.poll.intervalSeconds, 10);
    assert.equal(loadConfig({ GEMINI_API_KEY: 'k', VEO_BACKEND: 'simulator' }).veo.backend, 'simulator');
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

  test('every variable is documented in .env.example and the README configuration table', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES.filter((n) => n !== 'K_SERVICE')) {
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} in .env.example`);
      assert.match(readme, new RegExp(`\\| \`${name}\` +\\|`), `${name} in README`);
    }
  });
});
