// Startup validation of the security settings (issue 12, item 6): weak or placeholder secrets, malformed keys and
// settings that contradict each other stop the instance, each with a line naming the setting and never its value;
// and which auth mode applies when none is set.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../functions/src/config/index.js';

const HASH = 'a'.repeat(64);
const STRONG = 'q8Vw2Lr0Zt5Kp9Nd3Hs7Jm1Bx6Cf4Gy+';
const IAP_AUDIENCE = '/projects/123456789012/locations/us-central1/services/veo-mcp';

/** Loads `env` and returns its problem lines, asserting that no secret value appears in them. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    for (const [name, value] of Object.entries(env)) {
      if (/KEY|SECRET/.test(name) && value.length > 3)
        assert.ok(!err.message.includes(value), `${name} echoed`);
    }
    return err.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  return [];
}

describe('startup validation of security settings', () => {
  const weak: Array<[string, string, RegExp]> = [
    ['short', 'short-but-random-Xy7', /must be at least 32 characters/],
    ['one character repeated', 'a'.repeat(40), /is too predictable \(fewer than 8 distinct characters\)/],
    ['a few characters repeated', 'abab1212'.repeat(5), /is too predictable/],
    ['one pattern repeated', 'Xy7#Qw2!Rt5$'.repeat(3), /is one short pattern repeated/],
    ['a placeholder', 'change-me-to-a-long-random-secret-value', /looks like a placeholder from an example/],
    ['an example value', 'example-webhook-signing-secret-1234567890', /looks like a placeholder/],
    ['"your secret"', 'YOUR-SECRET-goes-here-0123456789abcdef', /looks like a placeholder/],
  ];
  for (const name of ['WEBHOOK_SIGNING_SECRET', 'LOCAL_BLOB_SIGNING_KEY']) {
    for (const [label, value, reason] of weak) {
      test(`${name}: refused when ${label}, naming the setting and not the value`, () => {
        const lines = problems({ [name]: value });
        assert.equal(lines.length, 1, lines.join('\n'));
        assert.match(lines[0]!, new RegExp(`^${name}=<redacted>: `));
        assert.match(lines[0]!, reason);
      });
    }
    test(`${name}: a generated secret is accepted`, () => {
      assert.deepEqual(problems({ [name]: STRONG }), []);
    });
  }

  const keys: Array<[string, string]> = [
    ['too short', 'AIzaSyShort'],
    ['the wrong prefix', `AIzb${'x'.repeat(35)}`],
    ['one character too many', `AIza${'x'.repeat(36)}`],
    ['a character outside the alphabet', `AIza${'x'.repeat(34)}.`],
    ['a placeholder', 'your-gemini-api-key'],
  ];
  for (const name of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) {
    for (const [label, value] of keys) {
      test(`${name}: a malformed key is refused (${label})`, () => {
        const lines = problems({ [name]: value, VEO_BACKEND: 'simulator' });
        assert.deepEqual(lines, [
          `${name}=<redacted>: must be a Google API key: AIza followed by 35 letters, digits, _ or -`,
        ]);
      });
    }
  }

  const inconsistent: Array<[string, Record<string, string>, string]> = [
    [
      'API keys listed while AUTH_MODE is not api_key',
      { API_KEY_HASHES: HASH },
      'API_KEY_HASHES=<redacted>: is set but AUTH_MODE is unset: the keys would be ignored. Set AUTH_MODE=api_key, or remove it',
    ],
    [
      'API keys listed under iam',
      { API_KEY_HASHES: HASH, AUTH_MODE: 'iam', AUTH_AUDIENCES: 'https://veo.example' },
      'API_KEY_HASHES=<redacted>: is set but AUTH_MODE is iam: the keys would be ignored. Set AUTH_MODE=api_key, or remove it',
    ],
    [
      'api_key mode with no key source',
      { AUTH_MODE: 'api_key' },
      'API_KEY_HASHES: required when AUTH_MODE=api_key with STORE=memory (sha256 hex of each accepted key: printf %s "$KEY" | sha256sum; with STORE=firestore, keys can instead be made with veo-mcp keys create)',
    ],
    [
      'audiences under api_key',
      { AUTH_MODE: 'api_key', API_KEY_HASHES: HASH, AUTH_AUDIENCES: 'https://veo.example' },
      'AUTH_AUDIENCES="https://veo.example": applies to ID tokens (AUTH_MODE=iam) only, but AUTH_MODE is api_key',
    ],
    [
      'iam off the platform with no audience',
      { AUTH_MODE: 'iam' },
      "AUTH_AUDIENCES: required when AUTH_MODE=iam off the platform (or set PUBLIC_BASE_URL): the audience ID tokens must name, as the service's URL is not known here",
    ],
    [
      'signing keys over plain http to another host',
      { K_SERVICE: 'mcp', AUTH_CERTS_URL: 'http://certs.example/keys' },
      'AUTH_CERTS_URL="http://certs.example/keys": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      'iap without the audience its assertions must name',
      { AUTH_MODE: 'iap' },
      'IAP_AUDIENCE: required when AUTH_MODE=iap (the audience of the assertions IAP signs for this service: /projects/PROJECT_NUMBER/locations/REGION/services/SERVICE)',
    ],
    [
      'an IAP audience without iap',
      { IAP_AUDIENCE: IAP_AUDIENCE },
      `IAP_AUDIENCE="${IAP_AUDIENCE}": applies to AUTH_MODE=iap only, but AUTH_MODE is unset: no IAP assertion would be checked`,
    ],
    [
      'an IAP audience under api_key',
      { AUTH_MODE: 'api_key', API_KEY_HASHES: HASH, IAP_AUDIENCE: IAP_AUDIENCE },
      `IAP_AUDIENCE="${IAP_AUDIENCE}": applies to AUTH_MODE=iap only, but AUTH_MODE is api_key: no IAP assertion would be checked`,
    ],
    [
      'an IAP audience naming the project id instead of its number',
      { AUTH_MODE: 'iap', IAP_AUDIENCE: '/projects/my-project/locations/us-central1/services/veo-mcp' },
      'IAP_AUDIENCE="/projects/my-project/locations/us-central1/services/veo-mcp": must be the audience IAP signs for: /projects/PROJECT_NUMBER/locations/REGION/services/SERVICE (IAP on the Cloud Run service) or /projects/PROJECT_NUMBER/global/backendServices/ID (IAP on a load balancer)',
    ],
    [
      'an ID-token audience under iap',
      { AUTH_MODE: 'iap', IAP_AUDIENCE: IAP_AUDIENCE, AUTH_AUDIENCES: 'https://veo.example' },
      'AUTH_AUDIENCES="https://veo.example": applies to ID tokens (AUTH_MODE=iam) only, but AUTH_MODE is iap',
    ],
    [
      "IAP's keys over plain http to another host",
      { AUTH_MODE: 'iap', IAP_AUDIENCE: IAP_AUDIENCE, IAP_CERTS_URL: 'http://keys.example/public_key' },
      'IAP_CERTS_URL="http://keys.example/public_key": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      // The old check matched the text: `localhost:x@` is user info, and the keys came from evil.example.
      "IAP's keys from another host behind user info that reads like localhost",
      { AUTH_MODE: 'iap', IAP_AUDIENCE: IAP_AUDIENCE, IAP_CERTS_URL: 'http://localhost:x@evil.example/k' },
      'IAP_CERTS_URL="http://localhost:x@evil.example/k": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      'signing keys from another host behind user info that reads like 127.0.0.1:80',
      { K_SERVICE: 'mcp', AUTH_CERTS_URL: 'http://127.0.0.1:80@evil.example/k' },
      'AUTH_CERTS_URL="http://127.0.0.1:80@evil.example/k": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      'signing keys over https with a user name and password',
      { K_SERVICE: 'mcp', AUTH_CERTS_URL: 'https://user:pw@certs.example/keys' },
      'AUTH_CERTS_URL="https://user:pw@certs.example/keys": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      'signing keys over http to a name that starts like localhost',
      { K_SERVICE: 'mcp', AUTH_CERTS_URL: 'http://localhost.evil.example/keys' },
      'AUTH_CERTS_URL="http://localhost.evil.example/keys": must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
    ],
    [
      'listening on every interface without an auth mode',
      { HOST: '0.0.0.0' },
      'HOST="0.0.0.0": listens beyond this machine, which needs AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key: without one every caller would be the unauthenticated local principal',
    ],
    [
      'listening on a LAN address without an auth mode',
      { HOST: '192.168.1.20' },
      'HOST="192.168.1.20": listens beyond this machine, which needs AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key: without one every caller would be the unauthenticated local principal',
    ],
    [
      'a HOST that is not a host',
      { HOST: 'http://0.0.0.0' },
      'HOST="http://0.0.0.0": must be a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0',
    ],
  ];
  for (const [label, env, line] of inconsistent) {
    test(`refused: ${label}`, () => {
      assert.deepEqual(problems(env), [line]);
    });
  }

  test('every security problem is reported at once', () => {
    const lines = problems({
      HOST: '0.0.0.0',
      API_KEY_HASHES: HASH,
      WEBHOOK_SIGNING_SECRET: 'x'.repeat(40),
      GEMINI_API_KEY: 'nope',
      VEO_BACKEND: 'simulator',
    });
    assert.deepEqual(
      lines.map((l) => l.split(/[=:]/)[0]),
      ['GEMINI_API_KEY', 'WEBHOOK_SIGNING_SECRET', 'API_KEY_HASHES', 'HOST'],
    );
  });

  test('every broken IAP setting is reported at once', () => {
    const lines = problems({
      AUTH_MODE: 'iap',
      AUTH_AUDIENCES: 'https://veo.example',
      API_KEY_HASHES: HASH,
      IAP_CERTS_URL: 'http://keys.example/public_key',
    });
    assert.deepEqual(
      lines.map((l) => l.split(/[=:]/)[0]),
      ['API_KEY_HASHES', 'AUTH_AUDIENCES', 'IAP_CERTS_URL', 'IAP_AUDIENCE'],
    );
  });

  test("iap loads with its audience: the Cloud Run service's, or a load balancer's; IAP's keys by default", () => {
    const iap = loadConfig({ K_SERVICE: 'veo-mcp', AUTH_MODE: 'iap', IAP_AUDIENCE: IAP_AUDIENCE });
    assert.equal(iap.auth.mode, 'iap');
    assert.equal(iap.auth.iapAudience, IAP_AUDIENCE);
    assert.equal(iap.auth.iapCertsUrl, 'https://www.gstatic.com/iap/verify/public_key');
    const balanced = '/projects/123456789012/global/backendServices/4567890123';
    assert.equal(loadConfig({ AUTH_MODE: 'iap', IAP_AUDIENCE: balanced }).auth.iapAudience, balanced);
    const local = loadConfig({
      HOST: '0.0.0.0',
      AUTH_MODE: 'iap',
      IAP_AUDIENCE: IAP_AUDIENCE,
      IAP_CERTS_URL: 'http://127.0.0.1:9000/public_key',
    });
    assert.equal(local.auth.iapCertsUrl, 'http://127.0.0.1:9000/public_key');
    for (const url of [
      'http://127.0.0.1/',
      'http://localhost/k',
      'http://[::1]:9000/k',
      'https://keys.example/k',
    ]) {
      const env = { AUTH_MODE: 'iap', IAP_AUDIENCE: IAP_AUDIENCE, IAP_CERTS_URL: url };
      assert.deepEqual(problems(env), [], `${url} is accepted`);
      assert.deepEqual(problems({ K_SERVICE: 'mcp', AUTH_CERTS_URL: url }), [], `${url} is accepted`);
    }
    assert.equal(loadConfig({ K_SERVICE: 'veo-mcp' }).auth.iapAudience, undefined);
  });

  test('consistent settings load: api_key with stored keys only, a public bind with an auth mode', () => {
    assert.equal(
      loadConfig({ AUTH_MODE: 'api_key', STORE: 'firestore', GOOGLE_CLOUD_PROJECT: 'p' }).auth.mode,
      'api_key',
    );
    const open = loadConfig({ HOST: '0.0.0.0', AUTH_MODE: 'api_key', API_KEY_HASHES: HASH });
    assert.equal(open.host, '0.0.0.0');
    assert.equal(loadConfig({ HOST: '::1' }).host, '::1');
  });

  test('the auth mode: iam on the platform without a setting, the local principal off it', () => {
    assert.equal(loadConfig({}).auth.mode, 'local');
    assert.equal(loadConfig({}).host, '127.0.0.1');
    const cloud = loadConfig({ K_SERVICE: 'veo-mcp' });
    assert.equal(cloud.auth.mode, 'iam');
    assert.deepEqual(cloud.auth.audiences, [], 'the audience comes from the request Host there');
    assert.equal(cloud.auth.certsUrl, 'https://www.googleapis.com/oauth2/v1/certs');
    assert.equal(cloud.auth.cacheSeconds, 30);
    const withUrl = loadConfig({
      K_SERVICE: 'veo-mcp',
      PUBLIC_BASE_URL: 'https://veo.example/',
      AUTH_AUDIENCES: 'https://veo-123.run.app, custom-aud',
    });
    assert.deepEqual(withUrl.auth.audiences, [
      'https://veo.example',
      'https://veo-123.run.app',
      'custom-aud',
    ]);
    assert.equal(withUrl.auth.serviceUrl, 'https://veo.example');
  });
});
