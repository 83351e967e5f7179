// The public keys that verify Google's signed tokens, { kid: PEM } (ID tokens: AUTH_CERTS_URL, IAP's assertions:
// IAP_CERTS_URL), fetched and cached per instance, and the verification of a token against them with
// google-auth-library. A key server that stalls or fails must not stall authentication: a fetch gives up after
// KEY_FETCH_TIMEOUT_MS and is not retried, concurrent checks share a fetch only while it can still be pending, and
// when a refresh fails the last good keys serve for up to STALE_KEYS_MAX_MS, a new fetch being tried each minute. A
// response is cached only once it is the keys (a JSON object of PEM public keys or certificates), for its max-age
// held to MIN_CACHE_SECONDS..MAX_CACHE_SECONDS; a token signed under a key id the cache lacks (a rotation) fetches
// the keys again, at most once a minute.
import { createPublicKey } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { AppError } from '../errors.js';
import { logWithReference } from '../log.js';
import { AuthError } from './challenge.js';

/** The keys as google-auth-library takes them (its PublicKeys/Certificates for PEM, which it does not export). */
export type PublicKeys = Record<string, string>;

export const KEY_FETCH_TIMEOUT_MS = 10_000;
/** Cache bounds: a missing or shorter max-age still caches a minute, a longer one an hour at the most. */
export const MIN_CACHE_SECONDS = 60;
export const MAX_CACHE_SECONDS = 3600;
/** A fetch for an unknown key id, and the next try after a failed refresh, at most this often. */
export const REFETCH_INTERVAL_MS = 60_000;
/** How old the last good keys may be and still serve while refreshes fail. */
export const STALE_KEYS_MAX_MS = 24 * 3600_000;

const PEM = /^-----BEGIN (PUBLIC KEY|CERTIFICATE)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\s*$/;

export interface SigningKeysOptions {
  url: string;
  /** Whose keys, as messages and logs name them: "IAP's signing keys". */
  what: string;
  now: () => Date;
  /** KEY_FETCH_TIMEOUT_MS unless a test says otherwise. */
  timeoutMs?: number;
}

/** Who signs the tokens a check verifies, as its refusals name it. */
export interface Signer {
  /** Whose keys: "Google's keys". */
  keys: string;
  /** The issuer as a refusal names it: "Google (accounts.google.com)". */
  issuer: string;
}

export interface VerifyOptions {
  /** The header the token came in, which refusals start with. */
  name: string;
  signer: Signer;
  audiences: string[];
  issuers: string[];
  /** The longest lifetime accepted, seconds (google-auth-library's default, a day, when unset). */
  maxExpiry?: number;
}

interface Fetched {
  keys: PublicKeys;
  fetchedAt: number;
  /** Fresh until then; afterwards the next check fetches again. */
  until: number;
}

export class SigningKeys {
  private readonly options: SigningKeysOptions;
  private client?: Promise<OAuth2Client>;
  private good?: Fetched;
  private pending?: { keys: Promise<PublicKeys>; startedAt: number };
  private lastFetch = -Infinity;

  constructor(options: SigningKeysOptions) {
    this.options = options;
  }

  /**
   * The claims of `token`, signed under `kid` (from its header), once google-auth-library has checked its signature
   * against these keys, its issuer, audience and lifetime. A refusal is an AuthError that never quotes the token; keys
   * that cannot be had are a retryable UPSTREAM AppError.
   */
  async verify(token: string, kid: unknown, options: VerifyOptions): Promise<Record<string, unknown>> {
    if (typeof kid !== 'string' || kid === '') {
      throw new AuthError(`${options.name}: the token names no signing key (kid).`, {
        error: 'invalid_token',
      });
    }
    const client = await (this.client ??= createVerifier());
    const keys = await this.keysFor(kid, client);
    try {
      const ticket = await client.verifySignedJwtWithCertsAsync(
        token,
        keys,
        options.audiences,
        options.issuers,
        options.maxExpiry,
      );
      return (ticket.getPayload() ?? {}) as Record<string, unknown>;
    } catch (err) {
      // google-auth-library's messages quote the whole token: map them to ours, which never do.
      throw new AuthError(
        `${options.name}: ${refusalOf((err as Error).message, options.signer, options.audiences)}`,
        { error: 'invalid_token' },
      );
    }
  }

  private async keysFor(kid: string, client: OAuth2Client): Promise<PublicKeys> {
    const now = this.now();
    const good = this.good;
    if (
      good &&
      now < good.until &&
      (Object.hasOwn(good.keys, kid) || now - this.lastFetch < REFETCH_INTERVAL_MS)
    ) {
      return good.keys;
    }
    try {
      return await this.refresh(client);
    } catch (err) {
      const last = this.good;
      if (!last || now - last.fetchedAt > STALE_KEYS_MAX_MS) throw err;
      // Stale keys serve a minute at a time until a fetch succeeds, without each check waiting for a failing one.
      if (last.until <= now)
        last.until = Math.min(now + REFETCH_INTERVAL_MS, last.fetchedAt + STALE_KEYS_MAX_MS);
      return last.keys;
    }
  }

  /** One fetch shared by concurrent checks, as long as its timeout has not passed. */
  private refresh(client: OAuth2Client): Promise<PublicKeys> {
    const timeoutMs = this.options.timeoutMs ?? KEY_FETCH_TIMEOUT_MS;
    const now = this.now();
    if (this.pending && now - this.pending.startedAt <= timeoutMs) return this.pending.keys;
    this.lastFetch = now;
    const pending = { startedAt: now, keys: this.fetch(client, timeoutMs) };
    this.pending = pending;
    const done = () => {
      if (this.pending === pending) this.pending = undefined;
    };
    pending.keys.then(done, done);
    return pending.keys;
  }

  private async fetch(client: OAuth2Client, timeoutMs: number): Promise<PublicKeys> {
    const { url, what } = this.options;
    let fetched: Fetched;
    try {
      const res = await client.transporter.request<unknown>({
        url,
        timeout: timeoutMs,
        retry: false,
        responseType: 'json',
      });
      const keys = publicKeysOf(res.data);
      const fetchedAt = this.now();
      fetched = {
        keys,
        fetchedAt,
        until: fetchedAt + cacheSecondsOf(res.headers.get('cache-control')) * 1000,
      };
    } catch (err) {
      // The detail (URL, network error) goes to the log only.
      const reference = logWithReference(`Could not fetch ${what}`, err, { url });
      throw new AppError(
        'UPSTREAM',
        `Could not fetch ${what} to check the token (reference ${reference}); try again.`,
        true,
      );
    }
    this.good = fetched;
    return fetched.keys;
  }

  private now(): number {
    return this.options.now().getTime();
  }
}

async function createVerifier(): Promise<OAuth2Client> {
  const { OAuth2Client } = await import('google-auth-library');
  return new OAuth2Client();
}

/** The keys a key server answered, checked: a JSON object of key ids to PEM public keys or certificates. */
export function publicKeysOf(data: unknown): PublicKeys {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error('the response is not a JSON object of key ids to PEM keys');
  }
  const keys: PublicKeys = Object.create(null) as PublicKeys;
  for (const [kid, pem] of Object.entries(data)) {
    if (typeof pem !== 'string' || !PEM.test(pem))
      throw new Error(`key ${JSON.stringify(kid)} is not a PEM key`);
    try {
      createPublicKey(pem);
    } catch {
      throw new Error(`key ${JSON.stringify(kid)} is not a valid public key`);
    }
    keys[kid] = pem;
  }
  if (Object.keys(keys).length === 0) throw new Error('the response lists no keys');
  return keys;
}

/** Seconds to cache a response for: its Cache-Control max-age directive, held to MIN..MAX_CACHE_SECONDS. */
export function cacheSecondsOf(cacheControl: string | null | undefined): number {
  const ages = (cacheControl ?? '')
    .split(',')
    .map((directive) => /^max-age\s*=\s*"?(\d+)"?$/i.exec(directive.trim())?.[1])
    .filter((age) => age !== undefined);
  const age = ages.length === 1 ? Number(ages[0]) : MIN_CACHE_SECONDS;
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, age));
}

/** Our reason for google-auth-library's refusal (its messages, OAuth2Client.verifySignedJwtWithCertsAsync). */
export function refusalOf(message: string, signer: Signer, audiences: string[]): string {
  const reasons: Array<[RegExp, string]> = [
    [/^No pem found/, `the token is not signed by one of ${signer.keys} (unknown key id).`],
    [/^Invalid token signature/, 'the token signature does not verify.'],
    [/^No issue time|^iat field/, 'the token has no valid issue time (iat).'],
    [/^No expiration time|^exp field/, 'the token has no valid expiry (exp).'],
    [/^Expiration time too far/, 'the token expires too far in the future.'],
    [/^Token used too early/, 'the token is not valid yet (iat in the future).'],
    [/^Token used too late/, 'the token has expired.'],
    [/^Invalid issuer/, `the token was not issued by ${signer.issuer}.`],
    [
      /^Wrong recipient/,
      `the token's audience is not this service (expected one of: ${audiences.join(', ')}).`,
    ],
  ];
  return reasons.find(([pattern]) => pattern.test(message))?.[1] ?? 'the token could not be verified.';
}
