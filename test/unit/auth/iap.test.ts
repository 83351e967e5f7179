// AUTH_MODE=iap, hostile cases: the caller is whoever IAP's signed assertion names, and nothing else a request carries.
// Assertions are real ES256 JWTs from a local key, verified with google-auth-library against that key served as IAP
// serves its own (test/helpers/id-tokens.ts).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AuthError } from '../../../functions/src/auth/challenge.js';
import { IapAssertionCheck, principalOfIapClaims } from '../../../functions/src/auth/iap.js';
import { AppError } from '../../../functions/src/errors.js';
import { assertRefusal, requestWith, TestIssuer, type Claims } from '../../helpers/id-tokens.js';

const AUDIENCE = '/projects/123456789012/locations/us-central1/services/veo-mcp';
const OTHER_SERVICE = '/projects/123456789012/locations/us-central1/services/other-app';
const ASSERTION = 'x-goog-iap-jwt-assertion';

const request = (headers: Array<[string, string]>) => requestWith(headers, 'veo-mcp-123.a.run.app');
const seconds = () => Math.floor(Date.now() / 1000);

const refused = (
  check: IapAssertionCheck,
  req: IncomingMessage,
  message: RegExp,
  error: 'invalid_token' | 'invalid_request' | undefined,
) => assertRefusal(check, req, message, error, [ASSERTION]);

describe('IAP assertions (AUTH_MODE=iap)', () => {
  let iap: TestIssuer;
  let google: TestIssuer;
  let check: IapAssertionCheck;

  before(async () => {
    iap = await new TestIssuer({ alg: 'ES256' }).start();
    google = await new TestIssuer().start();
    check = new IapAssertionCheck({ audience: AUDIENCE, certsUrl: iap.certsUrl, now: () => new Date() });
  });
  after(async () => {
    await iap.close();
    await google.close();
  });

  const assertion = (overrides: Claims = {}) => iap.sign(iap.iapClaims(AUDIENCE, overrides));
  const through = (value: string) => request([[ASSERTION, value]]);

  describe('the user IAP verified', () => {
    test("a valid assertion names the user by email: user:EMAIL, iam mode's form", async () => {
      assert.equal(await check.principalOf(through(assertion())), 'user:alice@example.com');
    });

    test("IAP's accounts.google.com: prefix is not part of the principal", async () => {
      const prefixed = assertion({ email: 'accounts.google.com:alice@example.com' });
      assert.equal(await check.principalOf(through(prefixed)), 'user:alice@example.com');
    });

    test("without an email the principal is the account id, as iam mode's sub:ID", async () => {
      assert.equal(await check.principalOf(through(assertion({ email: undefined }))), 'sub:1000000000001');
      assert.equal(principalOfIapClaims({ sub: '42' }), 'sub:42');
    });

    test('an assertion naming no user is refused', async () => {
      await refused(
        check,
        through(assertion({ email: undefined, sub: undefined })),
        /^X-Goog-IAP-JWT-Assertion: the assertion names no user \(no email, no sub\)\.$/,
        'invalid_token',
      );
      assert.throws(() => principalOfIapClaims({ email: 'accounts.google.com:', sub: '' }), AuthError);
    });

    test('the assertion decides: a valid Google ID token for someone else in Authorization changes nothing', async () => {
      const ceo = `Bearer ${google.sign(google.claims('https://veo-mcp-123.a.run.app', { email: 'ceo@example.com' }))}`;
      for (const headers of [
        [
          ['authorization', ceo],
          [ASSERTION, assertion()],
        ],
        [
          [ASSERTION, assertion()],
          ['x-serverless-authorization', ceo],
          ['authorization', ceo],
        ],
      ] as Array<Array<[string, string]>>) {
        assert.equal(await check.principalOf(request(headers)), 'user:alice@example.com');
      }
    });

    test('an ID token without an assertion is refused: only IAP names callers', async () => {
      const token = `Bearer ${google.sign(google.claims('https://veo-mcp-123.a.run.app'))}`;
      await refused(
        check,
        request([['authorization', token]]),
        /^Missing X-Goog-IAP-JWT-Assertion: this server takes the caller from the assertion Identity-Aware Proxy adds/,
        undefined,
      );
    });
  });

  describe('forged, stale and foreign assertions', () => {
    const cases: Array<[string, () => string, RegExp, 'invalid_token' | 'invalid_request']> = [
      [
        'unsigned (alg none)',
        () => TestIssuer.unsigned(iap.iapClaims(AUDIENCE)),
        /unsigned or wrongly signed assertion refused \(IAP signs with ES256 only\)/,
        'invalid_token',
      ],
      [
        "HS256 keyed with IAP's public key (algorithm confusion)",
        () => iap.hmacForged(iap.iapClaims(AUDIENCE)),
        /unsigned or wrongly signed assertion refused/,
        'invalid_token',
      ],
      [
        'RS256 by a Google ID-token key',
        () => google.sign(iap.iapClaims(AUDIENCE)),
        /unsigned or wrongly signed assertion refused/,
        'invalid_token',
      ],
      [
        "forged: signed by another key under IAP's key id",
        () => iap.sign(iap.iapClaims(AUDIENCE), { key: 'other' }),
        /the token signature does not verify/,
        'invalid_token',
      ],
      [
        'signed under a key id IAP does not list',
        () => iap.sign(iap.iapClaims(AUDIENCE), { kid: 'nope' }),
        /the token is not signed by one of IAP's keys \(unknown key id\)/,
        'invalid_token',
      ],
      [
        'claims changed after signing',
        () => {
          const [h, , s] = assertion().split('.');
          const claims = Buffer.from(JSON.stringify(iap.iapClaims(AUDIENCE, { email: 'ceo@example.com' })));
          return `${h}.${claims.toString('base64url')}.${s}`;
        },
        /the token signature does not verify/,
        'invalid_token',
      ],
      [
        'expired an hour ago',
        () => assertion({ iat: seconds() - 4200, exp: seconds() - 3600 }),
        /: the token has expired\.$/,
        'invalid_token',
      ],
      [
        // Within google-auth-library's 5-minute skew, beyond IAP's 30 seconds.
        'expired two minutes ago',
        () => assertion({ iat: seconds() - 720, exp: seconds() - 120 }),
        /: the token has expired\.$/,
        'invalid_token',
      ],
      [
        'issued two minutes in the future',
        () => assertion({ iat: seconds() + 120, exp: seconds() + 600 }),
        /the token is not valid yet/,
        'invalid_token',
      ],
      [
        'valid for longer than IAP ever signs (an hour)',
        () => assertion({ exp: seconds() + 3600 }),
        /the token expires too far in the future/,
        'invalid_token',
      ],
      [
        "for another service's audience",
        () => iap.sign(iap.iapClaims(OTHER_SERVICE)),
        /the token's audience is not this service \(expected one of: \/projects\/123456789012\/locations\/us-central1\/services\/veo-mcp\)/,
        'invalid_token',
      ],
      [
        'for the same service in another project (a project id, not its number)',
        () => iap.sign(iap.iapClaims('/projects/my-project/locations/us-central1/services/veo-mcp')),
        /audience is not this service/,
        'invalid_token',
      ],
      [
        'from another issuer (a Google ID token signed with the IAP key)',
        () => assertion({ iss: 'https://accounts.google.com' }),
        /the token was not issued by IAP \(https:\/\/cloud\.google\.com\/iap\)/,
        'invalid_token',
      ],
      [
        'three parts of garbage',
        () => 'garbage.garbage.garbage',
        /the token is not a JWT/,
        'invalid_request',
      ],
      [
        'a Bearer prefix',
        () => `Bearer ${assertion()}`,
        /^X-Goog-IAP-JWT-Assertion must be one JWT/,
        'invalid_request',
      ],
      ['not a JWT at all', () => 'garbage', /^X-Goog-IAP-JWT-Assertion must be one JWT/, 'invalid_request'],
      [
        'two assertions in one header',
        () => `${assertion()}, ${assertion()}`,
        /must be one JWT/,
        'invalid_request',
      ],
    ];
    for (const [name, value, message, error] of cases) {
      test(`refused: ${name}`, async () => {
        await refused(check, through(value()), message, error);
      });
    }

    test('no assertion at all is a 401 with a plain challenge, naming what is missing', async () => {
      await refused(check, request([]), /^Missing X-Goog-IAP-JWT-Assertion/, undefined);
    });

    test('an assertion sent twice is refused, whichever copy is valid', async () => {
      await refused(
        check,
        request([
          [ASSERTION, assertion()],
          [ASSERTION, assertion({ email: 'ceo@example.com' })],
        ]),
        /^Send x-goog-iap-jwt-assertion once: the request has 2 of them\.$/,
        'invalid_request',
      );
    });
  });

  describe("IAP's keys", () => {
    test('fetched once and reused for their max-age, then fetched again', async () => {
      const keys = await new TestIssuer({ alg: 'ES256', cacheControl: 'public, max-age=60' }).start();
      let now = Date.now();
      const cached = new IapAssertionCheck({
        audience: AUDIENCE,
        certsUrl: keys.certsUrl,
        now: () => new Date(now),
      });
      const signed = () => through(keys.sign(keys.iapClaims(AUDIENCE)));
      try {
        await Promise.all([cached.principalOf(signed()), cached.principalOf(signed())]);
        await cached.principalOf(signed());
        assert.equal(keys.fetches, 1, 'one fetch, shared by concurrent checks');
        now += 61_000;
        await cached.principalOf(signed());
        assert.equal(keys.fetches, 2, 'fetched again once max-age has passed');
      } finally {
        await keys.close();
      }
    });

    test('without a max-age they are not cached', async () => {
      const keys = await new TestIssuer({ alg: 'ES256', cacheControl: 'no-cache' }).start();
      const uncached = new IapAssertionCheck({
        audience: AUDIENCE,
        certsUrl: keys.certsUrl,
        now: () => new Date(),
      });
      try {
        for (let i = 0; i < 2; i++) await uncached.principalOf(through(keys.sign(keys.iapClaims(AUDIENCE))));
        assert.equal(keys.fetches, 2);
      } finally {
        await keys.close();
      }
    });

    test('keys that cannot be fetched are a retryable UPSTREAM error, not a 401, and are tried again', async () => {
      const unreachable = new IapAssertionCheck({
        audience: AUDIENCE,
        certsUrl: 'http://127.0.0.1:1/iap/verify/public_key',
        now: () => new Date(),
      });
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          unreachable.principalOf(through(assertion())),
          (err: Error) => err instanceof AppError && err.code === 'UPSTREAM' && err.retryable,
        );
      }
    });
  });
});
