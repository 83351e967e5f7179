// AUTH_MODE=iap: the caller is the identity Identity-Aware Proxy verified, read from the assertion IAP signs.
//
// Google's "Securing your app with signed headers" (docs.cloud.google.com/iap/docs/signed-headers-howto, read
// 2026-12-02): IAP adds `x-goog-iap-jwt-assertion` to every request it lets through and strips client-sent x-goog-*
// headers. The JWT is signed ES256 with a key listed at https://www.gstatic.com/iap/verify/public_key ({ kid: PEM },
// rotated, so cached only as long as its max-age says); issuer https://cloud.google.com/iap; audience, for IAP enabled
// on a Cloud Run service, /projects/PROJECT_NUMBER/locations/REGION/services/SERVICE_NAME (behind a load balancer,
// /projects/PROJECT_NUMBER/global/backendServices/ID); exp and iat within 30 s of now; a lifetime of at most 10 minutes
// plus twice that skew. `email` and `sub` name the user (IAP's unsigned headers prefix them `accounts.google.com:`).
// The assertion is verified with google-auth-library against those keys, so it holds on or off the platform; every
// other credential header (Authorization, X-Serverless-Authorization, which carries the IAP service agent's own token)
// is ignored.
import type { IncomingMessage } from 'node:http';
import type { OAuth2Client } from 'google-auth-library';
import { AppError } from '../errors.js';
import { AuthError } from './challenge.js';
import { decodePart, refusalOf, singleHeader, type Signer } from './id-token.js';

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
/** IAP's keys as its PEM endpoint serves them (google-auth-library's PublicKeys, which it does not export). */
type PublicKeys = Record<string, string>;

const JWT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

export interface IapAssertionOptions {
  /** The exact audience IAP signs for (IAP_AUDIENCE). */
  audience: string;
  /** IAP's public keys, { kid: PEM } (IAP_CERTS_URL). */
  certsUrl: string;
  now: () => Date;
}

interface IapClaims {
  iat?: unknown;
  exp?: unknown;
  email?: unknown;
  sub?: unknown;
}

export class IapAssertionCheck {
  private readonly options: IapAssertionOptions;
  private client?: Promise<OAuth2Client>;
  private cached?: { keys: Promise<PublicKeys>; until: number };

  constructor(options: IapAssertionOptions) {
    this.options = options;
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
    const alg = decodePart<{ alg?: unknown }>(parts[1]!, NAME).alg;
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
    const claims = await this.verify(assertion);
    const now = this.options.now().getTime() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp + IAP_CLOCK_SKEW_SECONDS < now) {
      throw new AuthError(`${NAME}: the token has expired.`, { error: 'invalid_token' });
    }
    if (typeof claims.iat !== 'number' || claims.iat - IAP_CLOCK_SKEW_SECONDS > now) {
      throw new AuthError(`${NAME}: the token is not valid yet (iat in the future).`, {
        error: 'invalid_token',
      });
    }
    return principalOfIapClaims(claims);
  }

  private async verify(assertion: string): Promise<IapClaims> {
    const client = await (this.client ??= this.createClient());
    let keys: PublicKeys;
    try {
      keys = await this.keys(client);
    } catch (err) {
      throw new AppError(
        'UPSTREAM',
        `Could not fetch IAP's signing keys to check the assertion (${(err as Error).message}); try again.`,
        true,
      );
    }
    const audiences = [this.options.audience];
    try {
      const ticket = await client.verifySignedJwtWithCertsAsync(
        assertion,
        keys,
        audiences,
        [IAP_ISSUER],
        IAP_MAX_LIFETIME_SECONDS,
      );
      return (ticket.getPayload() ?? {}) as IapClaims;
    } catch (err) {
      // google-auth-library's messages quote the whole token: map them to ours, which never do.
      throw new AuthError(`${NAME}: ${refusalOf((err as Error).message, IAP_SIGNER, audiences)}`, {
        error: 'invalid_token',
      });
    }
  }

  /** IAP's keys, fetched once per max-age (OAuth2Client.getIapPublicKeysAsync does not cache); one fetch at a time. */
  private keys(client: OAuth2Client): Promise<PublicKeys> {
    const now = this.options.now().getTime();
    if (this.cached && now < this.cached.until) return this.cached.keys;
    const entry = {
      until: Infinity,
      keys: client.getIapPublicKeysAsync().then(({ pubkeys, res }) => {
        const maxAge = /max-age=(\d+)/.exec(res?.headers.get('cache-control') ?? '')?.[1];
        entry.until = maxAge ? this.options.now().getTime() + Number(maxAge) * 1000 : 0;
        return pubkeys;
      }),
    };
    entry.keys.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    this.cached = entry;
    return entry.keys;
  }

  private async createClient(): Promise<OAuth2Client> {
    const { OAuth2Client } = await import('google-auth-library');
    return new OAuth2Client({
      endpoints: { oauth2IapPublicKeyUrl: this.options.certsUrl },
      issuers: [IAP_ISSUER],
    });
  }
}

/** `user:EMAIL` from the verified email, else `sub:ID`: the forms of iam mode, without IAP's account prefix. */
export function principalOfIapClaims(claims: IapClaims): string {
  const bare = (value: unknown) =>
    typeof value === 'string' && value.startsWith(GOOGLE_ACCOUNT_PREFIX)
      ? value.slice(GOOGLE_ACCOUNT_PREFIX.length)
      : value;
  const email = bare(claims.email);
  if (typeof email === 'string' && email !== '') return `user:${email}`;
  const sub = bare(claims.sub);
  if (typeof sub === 'string' && sub !== '') return `sub:${sub}`;
  throw new AuthError(`${NAME}: the assertion names no user (no email, no sub).`, { error: 'invalid_token' });
}
