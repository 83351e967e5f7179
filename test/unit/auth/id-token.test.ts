// AUTH_MODE=iam, hostile cases: which header names the caller, which tokens are trusted, and what every refusal says.
// Signed tokens are verified with google-auth-library against a local issuer's key (test/helpers/id-tokens.ts).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { IdTokenCheck } from '../../../functions/src/auth/id-token.js';
import { AppError } from '../../../functions/src/errors.js';
import { assertRefusal, requestWith, TestIssuer } from '../../helpers/id-tokens.js';
import { captureLogs } from '../../helpers/logs.js';

const SERVICE = 'https://veo-mcp-123.us-central1.run.app';
const HOST = 'veo-mcp-123.us-central1.run.app';

const fakeRequest = (headers: Array<[string, string]>, host = HOST) => requestWith(headers, host);

const refused = (
  check: IdTokenCheck,
  req: IncomingMessage,
  message: RegExp,
  error: 'invalid_token' | 'invalid_request' | undefined,
) => assertRefusal(check, req, message, error, ['authorization', 'x-serverless-authorization']);

describe('ID tokens (AUTH_MODE=iam)', () => {
  let issuer: TestIssuer;
  let onCloud: IdTokenCheck;
  let offCloud: IdTokenCheck;

  before(async () => {
    issuer = await new TestIssuer().start();
    onCloud = new IdTokenCheck({ onCloud: true, audiences: [], certsUrl: issuer.certsUrl });
    offCloud = new IdTokenCheck({ onCloud: false, audiences: [SERVICE], certsUrl: issuer.certsUrl });
  });
  after(() => issuer.close());

  const bearer = (token: string) => `Bearer ${token}`;
  const stripped = (overrides = {}) => TestIssuer.stripped(issuer.claims(SERVICE, overrides));

  describe('the token Cloud Run verified', () => {
    test('X-Serverless-Authorization names the caller when present', async () => {
      const req = fakeRequest([['x-serverless-authorization', bearer(stripped())]]);
      assert.equal(await onCloud.principalOf(req), 'user:alice@example.com');
    });

    test('a forged Authorization next to X-Serverless-Authorization is ignored, in either order', async () => {
      const forged = bearer(TestIssuer.unsigned(issuer.claims(SERVICE, { email: 'ceo@example.com' })));
      const real = bearer(stripped());
      for (const headers of [
        [
          ['authorization', forged],
          ['x-serverless-authorization', real],
        ],
        [
          ['x-serverless-authorization', real],
          ['authorization', forged],
        ],
      ] as Array<Array<[string, string]>>) {
        assert.equal(await onCloud.principalOf(fakeRequest(headers)), 'user:alice@example.com');
      }
    });

    test('a stripped token claiming another email in Authorization loses to X-Serverless-Authorization', async () => {
      const forged = bearer(stripped({ email: 'ceo@example.com' }));
      const req = fakeRequest([
        ['authorization', forged],
        ['x-serverless-authorization', bearer(stripped({ email: 'bob@example.com' }))],
      ]);
      assert.equal(await onCloud.principalOf(req), 'user:bob@example.com');
    });

    test('without X-Serverless-Authorization, Authorization is the verified header', async () => {
      assert.equal(
        await onCloud.principalOf(fakeRequest([['authorization', bearer(stripped())]])),
        'user:alice@example.com',
      );
    });

    test('a garbage X-Serverless-Authorization is refused, even with a valid Authorization', async () => {
      const req = fakeRequest([
        ['x-serverless-authorization', 'Bearer garbage'],
        ['authorization', bearer(stripped())],
      ]);
      await refused(
        onCloud,
        req,
        /^X-Serverless-Authorization must be "Bearer " followed by one/,
        'invalid_request',
      );
    });

    test('a stripped token is refused off the platform: nothing there removed its signature', async () => {
      await refused(
        offCloud,
        fakeRequest([['authorization', bearer(stripped())]]),
        /^Authorization: a token whose signature Google removed is trusted only behind Cloud Run/,
        'invalid_token',
      );
    });

    test('a stripped token from another issuer is refused', async () => {
      await refused(
        onCloud,
        fakeRequest([['x-serverless-authorization', bearer(stripped({ iss: 'https://evil.example' }))]]),
        /^X-Serverless-Authorization: the token was not issued by Google/,
        'invalid_token',
      );
    });

    test('a stripped token that expired long ago is refused', async () => {
      const exp = Math.floor(Date.now() / 1000) - 3600;
      await refused(
        onCloud,
        fakeRequest([['x-serverless-authorization', bearer(stripped({ exp, iat: exp - 3600 }))]]),
        /the token has expired/,
        'invalid_token',
      );
    });
  });

  describe('tokens that still carry a signature', () => {
    test('a token signed by the issuer for this service names its verified email', async () => {
      const req = fakeRequest([['authorization', bearer(issuer.sign(issuer.claims(SERVICE)))]]);
      assert.equal(await offCloud.principalOf(req), 'user:alice@example.com');
    });

    test('on the platform the audience is the URL the request arrived at (Host), with no setting', async () => {
      const req = fakeRequest([['authorization', bearer(issuer.sign(issuer.claims(SERVICE)))]]);
      assert.equal(await onCloud.principalOf(req), 'user:alice@example.com');
      const elsewhere = fakeRequest(
        [['authorization', bearer(issuer.sign(issuer.claims(SERVICE)))]],
        'other.run.app',
      );
      await refused(
        onCloud,
        elsewhere,
        /audience is not this service \(expected one of: https:\/\/other\.run\.app\)/,
        'invalid_token',
      );
    });

    test('extra audiences (AUTH_AUDIENCES) are accepted', async () => {
      const check = new IdTokenCheck({
        onCloud: false,
        audiences: [SERVICE, 'custom-aud'],
        certsUrl: issuer.certsUrl,
      });
      const req = fakeRequest([['authorization', bearer(issuer.sign(issuer.claims('custom-aud')))]]);
      assert.equal(await check.principalOf(req), 'user:alice@example.com');
    });

    const cases: Array<[string, () => string, RegExp]> = [
      [
        'unsigned (alg none)',
        () => TestIssuer.unsigned(issuer.claims(SERVICE)),
        /unsigned or wrongly signed token refused \(alg "none"/,
      ],
      [
        'alg none with a signature attached',
        () => issuer.sign(issuer.claims(SERVICE), { alg: 'none' }),
        /unsigned or wrongly signed token refused/,
      ],
      [
        'HS256 (a key an attacker knows)',
        () => issuer.sign(issuer.claims(SERVICE), { alg: 'HS256' }),
        /unsigned or wrongly signed token refused \(alg "HS256"/,
      ],
      [
        'signed with another key under the same key id',
        () => issuer.sign(issuer.claims(SERVICE), { key: 'other' }),
        /signature does not verify/,
      ],
      [
        'signed under an unknown key id',
        () => issuer.sign(issuer.claims(SERVICE), { kid: 'nope' }),
        /not signed by one of Google's keys/,
      ],
      [
        'no key id in its header',
        () => issuer.sign(issuer.claims(SERVICE), { kid: null }),
        /^Authorization: the token names no signing key \(kid\)\.$/,
      ],
      [
        'a signature cut off',
        () => issuer.sign(issuer.claims(SERVICE)).replace(/\.[^.]+$/, '.AAAA'),
        /signature does not verify/,
      ],
      [
        'claims altered after signing',
        () => {
          const [h, , s] = issuer.sign(issuer.claims(SERVICE)).split('.');
          return `${h}.${Buffer.from(JSON.stringify(issuer.claims(SERVICE, { email: 'ceo@example.com' }))).toString('base64url')}.${s}`;
        },
        /signature does not verify/,
      ],
      [
        'expired',
        () => {
          const now = Math.floor(Date.now() / 1000);
          return issuer.sign(issuer.claims(SERVICE, { iat: now - 7200, exp: now - 3600 }));
        },
        /the token has expired/,
      ],
      [
        'not yet valid',
        () => {
          const now = Math.floor(Date.now() / 1000);
          return issuer.sign(issuer.claims(SERVICE, { iat: now + 3600, exp: now + 7200 }));
        },
        /not valid yet/,
      ],
      [
        'valid for far too long',
        () => {
          const now = Math.floor(Date.now() / 1000);
          return issuer.sign(issuer.claims(SERVICE, { exp: now + 30 * 86400 }));
        },
        /expires too far in the future/,
      ],
      ['without an expiry', () => issuer.sign(issuer.claims(SERVICE, { exp: undefined })), /no valid expiry/],
      [
        'for another audience',
        () => issuer.sign(issuer.claims('https://other-service.run.app')),
        /audience is not this service/,
      ],
      [
        'from another issuer',
        () => issuer.sign(issuer.claims(SERVICE, { iss: 'https://evil.example' })),
        /not issued by Google/,
      ],
    ];
    for (const [name, token, message] of cases) {
      test(`refused: ${name}`, async () => {
        await refused(offCloud, fakeRequest([['authorization', bearer(token())]]), message, 'invalid_token');
      });
    }

    test('without a verified email the principal is the stable subject', async () => {
      for (const overrides of [{ email: undefined }, { email_verified: false }, { email_verified: 'true' }]) {
        const req = fakeRequest([['authorization', bearer(issuer.sign(issuer.claims(SERVICE, overrides)))]]);
        assert.equal(await offCloud.principalOf(req), 'sub:1000000000001', JSON.stringify(overrides));
      }
    });

    test('a token with neither email nor subject is refused', async () => {
      const req = fakeRequest([
        ['authorization', bearer(issuer.sign(issuer.claims(SERVICE, { email: undefined, sub: undefined })))],
      ]);
      await refused(offCloud, req, /names no subject/, 'invalid_token');
    });

    test("Google's keys are fetched once per instance and reused", async () => {
      const check = new IdTokenCheck({ onCloud: false, audiences: [SERVICE], certsUrl: issuer.certsUrl });
      const before = issuer.fetches;
      for (let i = 0; i < 3; i++) {
        await check.principalOf(
          fakeRequest([['authorization', bearer(issuer.sign(issuer.claims(SERVICE)))]]),
        );
      }
      assert.equal(issuer.fetches - before, 1);
    });

    test('keys that cannot be fetched are a retryable UPSTREAM error, not a 401, naming a reference only', async () => {
      const check = new IdTokenCheck({
        onCloud: false,
        audiences: [SERVICE],
        certsUrl: 'http://127.0.0.1:1/certs',
      });
      const { result, lines } = captureLogs(() =>
        check.principalOf(fakeRequest([['authorization', bearer(issuer.sign(issuer.claims(SERVICE)))]])),
      );
      await assert.rejects(result, (err: Error) => {
        assert.ok(err instanceof AppError && err.code === 'UPSTREAM' && err.retryable);
        assert.match(
          err.message,
          /^Could not fetch Google's ID-token signing keys to check the token \(reference [0-9a-f-]{36}\); try again\.$/,
        );
        assert.equal(lines[0]?.['url'], 'http://127.0.0.1:1/certs');
        assert.ok(err.message.includes(String(lines[0]?.['reference'])));
        return true;
      });
    });
  });

  describe("Google's keys, as the iam check fetches them", () => {
    const keys = new TestIssuer();
    before(() => keys.start());
    after(() => keys.close());
    /** A check on a clock the test moves (`clock.now`), against a key server answering with its keys afresh. */
    const checkWith = () => {
      keys.respond = 'keys';
      keys.fetches = 0;
      const clock = { now: Date.now() };
      const options = { onCloud: false, audiences: [SERVICE], certsUrl: keys.certsUrl };
      return { clock, check: new IdTokenCheck({ ...options, now: () => new Date(clock.now) }) };
    };
    const signed = (kid?: string) =>
      fakeRequest([['authorization', bearer(keys.sign(keys.claims(SERVICE), { kid }))]]);
    const isUpstream = (err: unknown) => err instanceof AppError && err.code === 'UPSTREAM' && err.retryable;

    test(
      'a key server that never answers fails the check after the fetch timeout',
      { timeout: 5000 },
      async () => {
        // Its own key server: a stalled fetch can arrive after the check gave up, and must not count in the next test.
        const stalled = await new TestIssuer().start();
        stalled.respond = 'stall';
        const options = {
          onCloud: false,
          audiences: [SERVICE],
          certsUrl: stalled.certsUrl,
          keyFetchTimeoutMs: 50,
        };
        const request = fakeRequest([['authorization', bearer(stalled.sign(stalled.claims(SERVICE)))]]);
        try {
          await assert.rejects(
            captureLogs(() => new IdTokenCheck(options).principalOf(request)).result,
            isUpstream,
          );
        } finally {
          await stalled.close();
        }
      },
    );

    test('a 200 that is not the certificates is refused and not cached', async () => {
      const { check } = checkWith();
      keys.respond = { body: '<html>sign in</html>' };
      await assert.rejects(captureLogs(() => check.principalOf(signed())).result, isUpstream);
      keys.respond = 'keys';
      assert.equal(await check.principalOf(signed()), 'user:alice@example.com');
      assert.equal(keys.fetches, 2);
    });

    test("a rotated key's id fetches the keys again, at most once a minute", async () => {
      const { check, clock } = checkWith();
      await check.principalOf(signed());
      keys.rotate(`${keys.kid}-next`);
      clock.now += 60_000;
      assert.equal(await check.principalOf(signed()), 'user:alice@example.com');
      await assert.rejects(check.principalOf(signed('made-up')), /unknown key id/);
      assert.equal(keys.fetches, 2);
    });

    test('when a refresh fails the last good keys serve', async () => {
      const { check, clock } = checkWith();
      await check.principalOf(signed());
      keys.respond = 'error';
      // An hour on the check's clock; google-auth-library checks the token's times on the real one.
      clock.now += 3601_000;
      assert.equal(await captureLogs(() => check.principalOf(signed())).result, 'user:alice@example.com');
      assert.equal(keys.fetches, 2);
    });
  });

  describe('malformed headers', () => {
    test('no token at all is a 401 with a plain challenge (no error code), naming what to send', async () => {
      await refused(
        onCloud,
        fakeRequest([]),
        /^Missing credentials: send a Google ID token as Authorization: Bearer/,
        undefined,
      );
    });

    const malformed: Array<[string, string]> = [
      ['Bearer with garbage', 'Bearer garbage'],
      ['two tokens in one header', `Bearer a.b.c Bearer d.e.f`],
      ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
      ['a bare token without the scheme', 'eyJ.eyJ.sig'],
      ['Bearer and nothing', 'Bearer '],
      ['four segments', 'Bearer a.b.c.d'],
    ];
    for (const [name, value] of malformed) {
      test(`refused: ${name}`, async () => {
        await refused(
          onCloud,
          fakeRequest([['authorization', value]]),
          /^Authorization must be "Bearer " followed by one Google ID token/,
          'invalid_request',
        );
      });
    }

    test('parts that are not base64url JSON are refused as not a JWT', async () => {
      await refused(
        onCloud,
        fakeRequest([['authorization', 'Bearer bm90LWpzb24.e30.SIGNATURE_REMOVED_BY_GOOGLE']]),
        /the token is not a JWT/,
        'invalid_request',
      );
    });

    test('a header sent twice is refused: either copy could be the one a proxy checked', async () => {
      const token = bearer(stripped());
      await refused(
        onCloud,
        fakeRequest([
          ['x-serverless-authorization', token],
          ['x-serverless-authorization', bearer(stripped({ email: 'ceo@example.com' }))],
        ]),
        /^Send x-serverless-authorization once: the request has 2 of them/,
        'invalid_request',
      );
    });
  });
});
