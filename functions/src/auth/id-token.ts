// AUTH_MODE=iam: the caller is the subject of a Google ID token, and only of a token something trustworthy checked.
//
// Cloud Run's IAM check (docs read 2026-12-02):
// - https://cloud.google.com/run/docs/authenticating/service-to-service: a caller sends its ID token as
//   `Authorization: Bearer` or `X-Serverless-Authorization: Bearer`. When both are present Cloud Run checks only
//   X-Serverless-Authorization and passes Authorization to the container untouched: it is then the application's own
//   header and proves nothing. So the principal comes from X-Serverless-Authorization when present, else
//   Authorization, never from the other one.
// - https://cloud.google.com/run/docs/troubleshooting#signature-removed: the token Cloud Run verified reaches the
//   container with its signature replaced by SIGNATURE_REMOVED_BY_GOOGLE. We trust such a token only on the
//   platform (K_SERVICE set), because only Cloud Run's front end can have checked it; that requires the service not
//   to allow unauthenticated invocation in iam mode (terraform refuses allow_unauthenticated without api_key).
// - https://cloud.google.com/run/docs/host-mcp-servers: MCP clients reach a private service with an ID token, or
//   through `gcloud run services proxy`, which adds one; IAP in front of Cloud Run forwards the same headers.
// A token that still carries a signature was not checked by anyone (a public service, a local run with AUTH_MODE=iam):
// we verify it with google-auth-library against Google's signing keys (AUTH_CERTS_URL, fetched and cached by
// signing-keys.ts), issuer accounts.google.com, an audience that is this service's URL, and its lifetime.
import type { IncomingMessage } from 'node:http';
import { AuthError } from './challenge.js';
import { SigningKeys, type Signer } from './signing-keys.js';

export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';
export const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
/** Google signs ID tokens with RS256; google-auth-library also verifies ES256. Anything else (`none`) is refused. */
const SIGNING_ALGORITHMS = new Set(['RS256', 'ES256']);
/** The clock skew google-auth-library allows (OAuth2Client.CLOCK_SKEW_SECS_), used for stripped tokens too. */
const CLOCK_SKEW_SECONDS = 300;

const JWT = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

export interface IdTokenOptions {
  /** True behind Cloud Run: tokens whose signature Cloud Run removed are trusted. */
  onCloud: boolean;
  /** Audiences accepted on signed tokens (PUBLIC_BASE_URL, AUTH_AUDIENCES); on the platform, https://HOST too. */
  audiences: string[];
  certsUrl: string;
  now?: () => Date;
  /** How long a key fetch may take (signing-keys.ts KEY_FETCH_TIMEOUT_MS unless a test says otherwise). */
  keyFetchTimeoutMs?: number;
}

interface Claims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  email?: unknown;
  email_verified?: unknown;
  sub?: unknown;
}

export class IdTokenCheck {
  private readonly options: IdTokenOptions;
  private readonly keys: SigningKeys;

  constructor(options: IdTokenOptions) {
    this.options = options;
    this.keys = new SigningKeys({
      url: options.certsUrl,
      what: "Google's ID-token signing keys",
      now: options.now ?? (() => new Date()),
      timeoutMs: options.keyFetchTimeoutMs,
    });
  }

  async principalOf(req: IncomingMessage): Promise<string> {
    const serverless = singleHeader(req, 'x-serverless-authorization');
    const [name, value] =
      serverless !== undefined
        ? ['X-Serverless-Authorization', serverless]
        : ['Authorization', singleHeader(req, 'authorization')];
    if (value === undefined) {
      throw new AuthError(
        'Missing credentials: send a Google ID token as Authorization: Bearer TOKEN ' +
          '(gcloud auth print-identity-token), or use gcloud run services proxy.',
      );
    }
    const parts = JWT.exec(value);
    if (!parts) {
      throw new AuthError(
        `${name} must be "Bearer " followed by one Google ID token (a JWT of three parts).`,
        {
          error: 'invalid_request',
        },
      );
    }
    const [, header, payload, signature] = parts as unknown as [string, string, string, string];
    const { alg, kid } = decodePart<{ alg?: unknown; kid?: unknown }>(header, name);
    const claims = decodePart<Claims>(payload, name);
    if (signature === SIGNATURE_REMOVED) return principalOfStripped(claims, name, this.options);
    if (typeof alg !== 'string' || !SIGNING_ALGORITHMS.has(alg) || signature === '') {
      throw new AuthError(
        `${name}: unsigned or wrongly signed token refused (alg ${JSON.stringify(alg ?? null)}; Google signs with RS256).`,
        {
          error: 'invalid_token',
        },
      );
    }
    const verified = await this.keys.verify(`${header}.${payload}.${signature}`, kid, {
      name,
      signer: GOOGLE_SIGNER,
      audiences: this.audiencesFor(req),
      issuers: GOOGLE_ISSUERS,
    });
    return principalFromClaims(verified, name);
  }

  private audiencesFor(req: IncomingMessage): string[] {
    const own = ownUrlOf(req, this.options.onCloud);
    return [...new Set([...this.options.audiences, ...(own ? [own] : [])])];
  }
}

/**
 * The service's own URL as this request reached it: on the platform Google's front end routes by Host, so the Host
 * a request arrived with is one of our URLs. Off the platform, or for a Host that is not a plain name, undefined.
 */
export function ownUrlOf(req: IncomingMessage, onCloud: boolean): string | undefined {
  const host = req.headers.host;
  return onCloud && host && /^[A-Za-z0-9.-]+(:\d+)?$/.test(host) ? `https://${host}` : undefined;
}

/** The one value of a header; a header sent twice is refused, as either copy could be the one a proxy checked. */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) {
    throw new AuthError(`Send ${name} once: the request has ${values.length} of them.`, {
      error: 'invalid_request',
    });
  }
  return values[0];
}

/** One part of a JWT (header or payload) as the JSON object it must be; anything else is refused as malformed. */
export function decodePart<T>(part: string, name: string): T {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as T;
  } catch {
    // reported below
  }
  throw new AuthError(`${name}: the token is not a JWT (its parts are not base64url JSON objects).`, {
    error: 'invalid_request',
  });
}

function principalOfStripped(claims: Claims, name: string, options: IdTokenOptions): string {
  if (!options.onCloud) {
    throw new AuthError(
      `${name}: a token whose signature Google removed is trusted only behind Cloud Run, and this server is not.`,
      { error: 'invalid_token' },
    );
  }
  // Cloud Run checked signature, audience and lifetime; these checks only keep an obviously foreign token out.
  if (typeof claims.iss !== 'string' || !GOOGLE_ISSUERS.includes(claims.iss)) {
    throw new AuthError(`${name}: the token was not issued by Google (accounts.google.com).`, {
      error: 'invalid_token',
    });
  }
  const now = (options.now?.() ?? new Date()).getTime() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS < now) {
    throw new AuthError(`${name}: the token has expired.`, { error: 'invalid_token' });
  }
  return principalFromClaims(claims, name);
}

/** `user:EMAIL` when Google verified the email, else `sub:SUBJECT` (Google's stable account id). */
export function principalFromClaims(claims: Claims, name: string): string {
  if (typeof claims.email === 'string' && claims.email !== '' && claims.email_verified === true) {
    return `user:${claims.email}`;
  }
  if (typeof claims.sub === 'string' && claims.sub !== '') return `sub:${claims.sub}`;
  throw new AuthError(`${name}: the token names no subject (no verified email, no sub).`, {
    error: 'invalid_token',
  });
}

const GOOGLE_SIGNER: Signer = { keys: "Google's keys", issuer: 'Google (accounts.google.com)' };
