// AUTH_MODE=iap: the caller is the identity Identity-Aware Proxy verified, read from the assertion IAP signs.
//
// Google's "Securing your app with signed headers" (docs.cloud.google.com/iap/docs/signed-headers-howto, read
// 2026-12-02): IAP adds `x-goog-iap-jwt-assertion` to every request it lets through and strips client-sent x-goog-*
// headers. The JWT is signed ES256 with a key listed at https://www.gstatic.com/iap/verify/public_key ({ kid: PEM },
// rotated; fetched and cached by signing-keys.ts); issuer https://cloud.google.com/iap; audience, for IAP enabled on a
// Cloud Run service, /projects/PROJECT_NUMBER/locations/REGION/services/SERVICE_NAME (behind a load balancer,
// /projects/PROJECT_NUMBER/global/backendServices/ID); exp and iat within 30 s of now; a lifetime of at most 10 minutes
// plus twice that skew. `email` and `sub` name the user; a Google identity's `sub` is `accounts.google.com:ID`, other
// identity sources (Identity Platform's external identities, which add a `gcip` claim) have other prefixes.
// The assertion is verified with google-auth-library against those keys, so it holds on or off the platform; every
// other credential header (Authorization, X-Serverless-Authorization, which carries the IAP service agent's own token)
// is ignored.
import type { IncomingMessage } from 'node:http';
import { AuthError } from './challenge.js';
import { decodePart, singleHeader } from './id-token.js';
import { SigningKeys, type Signer } from './signing-keys.js';

export const IAP_ASSERTION_HEADER = 'x-goog-iap-jwt-assertion';
export const IAP_ISSUER = 'https://cloud.google.com/iap';
/** IAP's clock skew (signed-headers-howto), applied on top of google-auth-library's wider one. */
const IAP_CLOCK_SKEW_SECONDS = 30;
/** The longest lifetime IAP gives an assertion: 10 minutes plus twice the skew. */
const IAP_MAX_LIFETIME_SECONDS = 600 + 2 * IAP_CLOCK_SKEW_SECONDS;
/** The prefix of Google identities in IAP's identity values. */
const GOOGLE_ACCOUNT_PREFIX = 'accounts.google.com:';

const NAME = 'X-Goog-IAP-JWT-Assertion';
const IAP_SIGNER: Signer = { keys: "IAP's keys", issuer: `IAP (${IAP_ISSUER})` };

const JWT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

export interface IapAssertionOptions {
  /** The exact audience IAP signs for (IAP_AUDIENCE). */
  audience: string;
  /** IAP's public keys, { kid: PEM } (IAP_CERTS_URL). */
  certsUrl: string;
  now: () => Date;
  /** How long a key fetch may take (signing-keys.ts KEY_FETCH_TIMEOUT_MS unless a test says otherwise). */
  keyFetchTimeoutMs?: number;
}

interface IapClaims {
  iat?: unknown;
  exp?: unknown;
  email?: unknown;
  sub?: unknown;
  gcip?: unknown;
}

export class IapAssertionCheck {
  private readonly options: IapAssertionOptions;
  private readonly keys: SigningKeys;

  constructor(options: IapAssertionOptions) {
    this.options = options;
    this.keys = new SigningKeys({
      url: options.certsUrl,
      what: "IAP's signing keys",
      now: options.now,
      timeoutMs: options.keyFetchTimeoutMs,
    });
  }

  async principalOf(req: IncomingMessage): Promise<string> {
    const assertion = singleHeader(req, IAP_ASSERTION_HEADER);
    if (assertion === undefined) {
      throw new AuthError(
        `Missing ${NAME}: this server takes the caller from the assertion Identity-Aware Proxy adds; ` +
          'reach it through IAP (AUTH_MODE=iap).',
      );
    }
    const parts = JWT.exec(assertion);
    if (!parts) {
      throw new AuthError(`${NAME} must be one JWT (three base64url parts).`, { error: 'invalid_request' });
    }
    const { alg, kid } = decodePart<{ alg?: unknown; kid?: unknown }>(parts[1]!, NAME);
    decodePart<IapClaims>(parts[2]!, NAME);
    if (alg !== 'ES256' || parts[3] === '') {
      // Not echoed: the header is the caller's text.
      throw new AuthError(
        `${NAME}: unsigned or wrongly signed assertion refused (IAP signs with ES256 only).`,
        {
          error: 'invalid_token',
        },
      );
    }
    const claims: IapClaims = await this.keys.verify(assertion, kid, {
      name: NAME,
      signer: IAP_SIGNER,
      audiences: [this.options.audience],
      issuers: [IAP_ISSUER],
      maxExpiry: IAP_MAX_LIFETIME_SECONDS,
    });
    checkIapLifetime(claims, this.options.now().getTime() / 1000);
    return principalOfIapClaims(claims);
  }
}

/**
 * IAP's time rules on the injected clock (google-auth-library checks the real one, with its 5-minute skew): issued
 * and expiring within 30 s of now, at most IAP_MAX_LIFETIME_SECONDS long, so never issued before now - 690 s.
 */
function checkIapLifetime(claims: IapClaims, now: number): void {
  const refuse = (reason: string) => {
    throw new AuthError(`${NAME}: ${reason}`, { error: 'invalid_token' });
  };
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    return refuse('the token has no valid issue time (iat): it is malformed.');
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    return refuse('the token has no valid expiry (exp): it is malformed.');
  }
  if (exp + IAP_CLOCK_SKEW_SECONDS < now) return refuse('the token has expired.');
  if (iat - IAP_CLOCK_SKEW_SECONDS > now) return refuse('the token is not valid yet (iat in the future).');
  if (exp - iat > IAP_MAX_LIFETIME_SECONDS) {
    return refuse(
      `the token lives longer than IAP's assertions do (${IAP_MAX_LIFETIME_SECONDS} s from iat to exp).`,
    );
  }
}

/**
 * A Google identity (`sub` is `accounts.google.com:ID`, no `gcip` claim) gets iam mode's forms: `user:EMAIL`, else
 * `sub:ID`. Any other identity source gets `sub:` and its whole `sub`, source prefix included (`sub:SOURCE:ID`), so it
 * can never be the principal of a Google user; a `sub` naming no source is refused.
 */
export function principalOfIapClaims(claims: IapClaims): string {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (sub.startsWith(GOOGLE_ACCOUNT_PREFIX) && claims.gcip === undefined) {
    // A Google account ID has no colon, so sub:ID can never read as another source's sub:SOURCE:ID.
    const id = sub.slice(GOOGLE_ACCOUNT_PREFIX.length);
    const email =
      typeof claims.email === 'string' && claims.email.startsWith(GOOGLE_ACCOUNT_PREFIX)
        ? claims.email.slice(GOOGLE_ACCOUNT_PREFIX.length)
        : claims.email;
    if (id !== '' && !id.includes(':')) {
      return typeof email === 'string' && email !== '' ? `user:${email}` : `sub:${id}`;
    }
  } else if (/^[^:]+:./.test(sub)) {
    return `sub:${sub}`;
  }
  throw new AuthError(
    `${NAME}: the assertion names no user (an identity source and ID in sub, and for a Google account an email or ID).`,
    { error: 'invalid_token' },
  );
}
