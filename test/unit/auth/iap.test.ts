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
import { captureLogs } from '../../helpers/logs.js';

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
      assert.equal(principalOfIapClaims({ sub: 'accounts.google.com:42' }), 'sub:42');
    });

    test('an assertion naming no user is refused', async () => {
      await refused(
        check,
        through(assertion({ email: undefined, sub: undefined })),
        /^X-Goog-IAP-JWT-Assertion: the assertion names no user \(an identity source and ID in sub/,
        'invalid_token',
      );
      assert.throws(() => principalOfIapClaims({ email: 'accounts.google.com:', sub: '' }), AuthError);
    });

    test("another identity source's user is never a Google user's principal, whatever email it claims", async () => {
      // Identity Platform (external identities) adds a gcip claim; its sub names its own source.
      const external = assertion({
        sub: 'securetoken.google.com/my-project/my-tenant:uid-1',
        email: 'alice@example.com',
        gcip: { email: 'alice@example.com', email_verified: false },
      });
      assert.equal(
        await check.principalOf(through(external)),
        'sub:securetoken.google.com/my-project/my-tenant:uid-1',
      );
      // A Google-looking sub beside a gcip claim is not taken as a Google account either.
      assert.equal(
        await check.principalOf(through(assertion({ gcip: {} }))),
        'sub:accounts.google.com:1000000000001',
      );
    });

    test("each source's forms: Google's as iam mode's, every other one as sub:SOURCE:ID", () => {
      const cases: Array<[Claims, string | RegExp]> = [
        [{ sub: 'accounts.google.com:1', email: 'alice@example.com' }, 'user:alice@example.com'],
        [
          { sub: 'accounts.google.com:1', email: 'accounts.google.com:alice@example.com' },
          'user:alice@example.com',
        ],
        [{ sub: 'accounts.google.com:1', email: 123 }, 'sub:1'],
        [
          { sub: 'securetoken.google.com/p/t:uid', email: 'securetoken.google.com/p/t:alice@example.com' },
          'sub:securetoken.google.com/p/t:uid',
        ],
        [
          {
            sub: 'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/alice',
            email: 'alice@x',
          },
          'sub:principal://iam.googleapis.com/locations/global/workforcePools/p/subject/alice',
        ],
        // Refused: no source, an empty ID, a Google ID that could read as another source's.
        [{ sub: '1000000000001', email: 'alice@example.com' }, /names no user/],
        [{ sub: 'accounts.google.com:', email: 'alice@example.com' }, /names no user/],
        [{ sub: 'accounts.google.com:securetoken.google.com/p/t:uid' }, /names no user/],
        [{ sub: ':uid', email: 'alice@example.com' }, /names no user/],
      ];
      for (const [claims, expected] of cases) {
        if (typeof expected === 'string')
          assert.equal(principalOfIapClaims(claims), expected, JSON.stringify(claims));
        else assert.throws(() => principalOfIapClaims(claims), expected, JSON.stringify(claims));
      }
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
        // Not yet expired, but issued an hour ago: IAP's assertions live 11 minutes at the most.
        'issued long ago, expiring in the window',
        () => assertion({ iat: seconds() - 3600, exp: seconds() + 300 }),
        /: the token lives longer than IAP's assertions do \(660 s from iat to exp\)\.$/,
        'invalid_token',
      ],
      [
        'a lifetime one second beyond 11 minutes',
        () => assertion({ iat: seconds() - 61, exp: seconds() + 600 }),
        /the token lives longer than IAP's assertions do/,
        'invalid_token',
      ],
      [
        'an issue time that is a string',
        () => assertion({ iat: String(seconds()) }),
        /: the token has no valid issue time \(iat\): it is malformed\.$/,
        'invalid_token',
      ],
      [
        'an expiry that is a string',
        () => assertion({ exp: String(seconds() + 600) }),
        /: the token has no valid expiry \(exp\): it is malformed\.$/,
        'invalid_token',
      ],
      [
        'no key id in its header',
        () => iap.sign(iap.iapClaims(AUDIENCE), { kid: null }),
        /: the token names no signing key \(kid\)\.$/,
        'invalid_token',
      ],
      [
        "a key id that is not a string (an array holding IAP's)",
        () => iap.sign(iap.iapClaims(AUDIENCE), { kid: [iap.kid] }),
        /the token names no signing key \(kid\)/,
        'invalid_token',
      ],
      [
        "a key id naming an Object property ('__proto__')",
        () => iap.sign(iap.iapClaims(AUDIENCE), { kid: '__proto__' }),
        /unknown key id/,
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

    test('without a max-age, or with no-cache, they are still kept a minute: not fetched per request', async () => {
      for (const cacheControl of ['no-cache', 'public, s-maxage=7200']) {
        const { keys, check: cached, clock, signed } = await keyServer({ cacheControl });
        try {
          for (let i = 0; i < 3; i++) await cached.principalOf(signed());
          assert.equal(keys.fetches, 1, cacheControl);
          clock.advance(61_000);
          await cached.principalOf(signed());
          assert.equal(keys.fetches, 2, cacheControl);
        } finally {
          await keys.close();
        }
      }
    });

    test('a max-age longer than an hour is held to an hour', async () => {
      const {
        keys,
        check: cached,
        clock,
        signed,
      } = await keyServer({ cacheControl: 'public, max-age=86400' });
      try {
        await cached.principalOf(signed());
        clock.advance(3601_000);
        // The assertion is now an hour old on the check's clock; the keys were fetched again before that was seen.
        await assert.rejects(cached.principalOf(signed()), /the token has expired/);
        assert.equal(keys.fetches, 2);
      } finally {
        await keys.close();
      }
    });

    test('a 200 that is not the keys (a web page, a wrong document) is refused and not cached', async () => {
      const notKeys = [
        '<html>sign in</html>',
        '{}',
        '[]',
        '{"k": 42}',
        '{"k": "-----BEGIN PUBLIC KEY-----\\nAAAA"}',
      ];
      for (const body of notKeys) {
        const { keys, check: cached, signed } = await keyServer();
        try {
          keys.respond = { body };
          await assert.rejects(cached.principalOf(signed()), isUpstream, body);
          keys.respond = 'keys';
          assert.equal(await cached.principalOf(signed()), 'user:alice@example.com', body);
          assert.equal(keys.fetches, 2, body);
        } finally {
          await keys.close();
        }
      }
    });

    test('a key id the cached keys lack (a rotation) fetches them again, at most once a minute', async () => {
      const { keys, check: cached, clock, signed } = await keyServer();
      try {
        await cached.principalOf(signed());
        keys.rotate('test-key-2');
        clock.advance(61_000);
        assert.equal(await cached.principalOf(signed()), 'user:alice@example.com');
        assert.equal(keys.fetches, 2);
        // Made-up key ids cannot make every request a fetch.
        for (let i = 0; i < 3; i++) {
          await assert.rejects(cached.principalOf(signed({ kid: `made-up-${i}` })), /unknown key id/);
        }
        assert.equal(keys.fetches, 2);
        clock.advance(60_000);
        await assert.rejects(cached.principalOf(signed({ kid: 'made-up' })), /unknown key id/);
        assert.equal(keys.fetches, 3);
      } finally {
        await keys.close();
      }
    });

    test(
      'a key server that never answers fails the check after the fetch timeout instead of stalling it',
      { timeout: 5000 },
      async () => {
        const { keys, check: stalled, signed } = await keyServer({ keyFetchTimeoutMs: 50 });
        keys.respond = 'stall';
        try {
          const { result, lines } = captureLogs(() => stalled.principalOf(signed()));
          await assert.rejects(result, isUpstream);
          assert.match(String(lines[0]?.['error']), /timeout/i);
        } finally {
          await keys.close();
        }
      },
    );

    test(
      'a fetch still pending after its timeout is not shared: the next check fetches anew',
      { timeout: 5000 },
      async () => {
        const { keys, check: cached, clock, signed } = await keyServer();
        keys.respond = 'stall';
        const arrived = keys.nextFetch();
        const { result: first } = captureLogs(() =>
          cached.principalOf(signed()).catch((err: unknown) => err),
        );
        try {
          await arrived;
          clock.advance(10_001);
          keys.respond = 'keys';
          assert.equal(await cached.principalOf(signed()), 'user:alice@example.com');
          assert.equal(keys.fetches, 2);
        } finally {
          await keys.close();
          await first;
        }
      },
    );

    test('when a refresh fails the last good keys serve, retried each minute, for up to a day', async () => {
      const { keys, check: cached, clock, signed } = await keyServer({ cacheControl: 'max-age=60' });
      try {
        await cached.principalOf(signed());
        keys.respond = 'error';
        clock.advance(61_000);
        const { result, lines } = captureLogs(() => cached.principalOf(signed()));
        assert.equal(await result, 'user:alice@example.com');
        assert.equal(keys.fetches, 2);
        assert.equal(lines.length, 1, 'the failed fetch is logged');
        clock.advance(30_000);
        await cached.principalOf(signed());
        assert.equal(keys.fetches, 2, 'no check waits on the failing server within the minute');
        clock.advance(31_000);
        await captureLogs(() => cached.principalOf(signed())).result;
        assert.equal(keys.fetches, 3);
        clock.advance(24 * 3600_000);
        await assert.rejects(captureLogs(() => cached.principalOf(signed())).result, isUpstream);
        assert.equal(keys.fetches, 4);
      } finally {
        await keys.close();
      }
    });

    test('keys that cannot be fetched are a retryable UPSTREAM error, not a 401, and are tried again', async () => {
      const url = 'http://127.0.0.1:1/iap/verify/public_key';
      const unreachable = new IapAssertionCheck({ audience: AUDIENCE, certsUrl: url, now: () => new Date() });
      for (let i = 0; i < 2; i++) {
        const { result, lines } = captureLogs(() => unreachable.principalOf(through(assertion())));
        await assert.rejects(result, (err: Error) => {
          assert.ok(isUpstream(err));
          // The caller gets a reference; the URL and the network error are in the log line it names.
          assert.match(
            err.message,
            /^Could not fetch IAP's signing keys to check the token \(reference [0-9a-f-]{36}\); try again\.$/,
          );
          assert.ok(!/127\.0\.0\.1|ECONNREFUSED|Failed to retrieve/.test(err.message), err.message);
          const [line] = lines;
          assert.equal(line?.['url'], url);
          assert.match(String(line?.['error']), /ECONNREFUSED|fetch failed/);
          assert.ok(err.message.includes(String(line?.['reference'])));
          return true;
        });
      }
    });
  });
});

const isUpstream = (err: unknown) => err instanceof AppError && err.code === 'UPSTREAM' && err.retryable;

/** A key server and a check on a clock the test moves; `signed` makes an assertion with its current key. */
async function keyServer(options: { cacheControl?: string; keyFetchTimeoutMs?: number } = {}) {
  const keys = await new TestIssuer({ alg: 'ES256', cacheControl: options.cacheControl }).start();
  let now = Date.now();
  const clock = { advance: (ms: number) => (now += ms) };
  const check = new IapAssertionCheck({
    audience: AUDIENCE,
    certsUrl: keys.certsUrl,
    now: () => new Date(now),
    keyFetchTimeoutMs: options.keyFetchTimeoutMs,
  });
  const signed = (sign: { kid?: string } = {}) =>
    request([[ASSERTION, keys.sign(keys.iapClaims(AUDIENCE), sign)]]);
  return { keys, check, clock, signed };
}
