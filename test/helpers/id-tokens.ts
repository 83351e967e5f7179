// A stand-in for Google's token issuers: a locally generated key signs JWTs, and a local HTTP server serves its public
// key as { kid: PEM }, the shape of https://www.googleapis.com/oauth2/v1/certs (ID tokens, RS256, read through
// AUTH_CERTS_URL) and of https://www.gstatic.com/iap/verify/public_key (IAP's assertions, ES256, IAP_CERTS_URL). Also
// makes the tokens an attacker would: unsigned, stripped, forged.
import assert from 'node:assert/strict';
import {
  createHmac,
  createSign,
  generateKeyPairSync,
  type KeyObject,
  type KeyPairKeyObjectResult,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, type BearerError } from '../../functions/src/auth/challenge.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const IAP_ISSUER = 'https://cloud.google.com/iap';

export interface Claims {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  email?: unknown;
  email_verified?: unknown;
  iat?: unknown;
  exp?: unknown;
  [name: string]: unknown;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Google signs ID tokens RS256; IAP signs its assertions ES256 (P-256). */
export type SigningAlgorithm = 'RS256' | 'ES256';

/**
 * The n-th key pair of an algorithm, made once per process: an RSA key takes 50-200 ms of CPU, and a test process
 * starts several issuers. An issuer's keys (its own, its `other` one, each rotation's) are distinct; two issuers in
 * one process sign with the same keys, which no check can tell apart anyway: each trusts its own issuer's key server.
 */
const keyPairs: Record<SigningAlgorithm, KeyPairKeyObjectResult[]> = { RS256: [], ES256: [] };
const keyPair = (alg: SigningAlgorithm, n: number): KeyPairKeyObjectResult =>
  (keyPairs[alg][n] ??=
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 }));

/**
 * What the key server answers: its keys; nothing ever (a stalled server); a 503; or a 200 with any body (a captive
 * portal's page, a wrong document).
 */
export type KeyServerResponse = 'keys' | 'stall' | 'error' | { body: string };

export class TestIssuer {
  /** The key id tokens are signed under; rotate() moves to a new one. */
  kid = 'test-key-1';
  readonly alg: SigningAlgorithm;
  /** The public key the certs serve, PEM (an attacker knows it: it is public). */
  publicPem: string;
  /** Certificate fetches served: the server under test should cache them. */
  fetches = 0;
  /** What the next fetches get. */
  respond: KeyServerResponse = 'keys';
  /** The header the certs are served with (Google's say `public, max-age=N`). */
  cacheControl: string;
  private privateKey: KeyObject;
  /** A key the certs never list, made when first signed with (most issuers never are). */
  private otherKey?: KeyObject;
  /** How many of keyPair's pairs this issuer has taken: each new key is the next one. */
  private keysTaken = 0;
  private fetched: Array<() => void> = [];
  private readonly server: Server;
  certsUrl = '';

  constructor(options: { alg?: SigningAlgorithm; cacheControl?: string } = {}) {
    this.alg = options.alg ?? 'RS256';
    const pair = this.newKeyPair();
    this.privateKey = pair.privateKey;
    this.publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.cacheControl = options.cacheControl ?? 'public, max-age=3600';
    this.server = createServer((_req, res) => {
      this.fetches++;
      for (const resolve of this.fetched.splice(0)) resolve();
      const respond = this.respond;
      if (respond === 'stall') return;
      if (respond === 'error') {
        res.writeHead(503).end('unavailable');
        return;
      }
      const body = respond === 'keys' ? JSON.stringify({ [this.kid]: this.publicPem }) : respond.body;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': this.cacheControl });
      res.end(body);
    });
  }

  /** A key pair this issuer has not used before. */
  private newKeyPair(): KeyPairKeyObjectResult {
    return keyPair(this.alg, this.keysTaken++);
  }

  /** Resolves when the next fetch arrives (before it is answered). */
  nextFetch(): Promise<void> {
    return new Promise((resolve) => this.fetched.push(resolve));
  }

  /** A key rotation: a new key under a new key id signs from now on, and the certs list only it. */
  rotate(kid: string): void {
    const pair = this.newKeyPair();
    this.kid = kid;
    this.privateKey = pair.privateKey;
    this.publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async start(): Promise<this> {
    // Idle keep-alive sockets are closed by the client, never by this server at the moment the client reuses one:
    // with Node's default of 5 s, a check that came back after 5 s on a loaded machine met ECONNRESET.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.certsUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/oauth2/v1/certs`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Valid claims for `audience`: a Google user with a verified email, issued now, valid for an hour. */
  claims(audience: string, overrides: Claims = {}): Claims {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: GOOGLE_ISSUER,
      aud: audience,
      sub: '1000000000001',
      email: 'alice@example.com',
      email_verified: true,
      iat: now,
      exp: now + 3600,
      ...overrides,
    };
  }

  /**
   * What IAP signs for a Google user who passed it: issued now, for its 10 minutes (signed-headers-howto). The email
   * is bare and the sub carries IAP's `accounts.google.com:` prefix.
   */
  iapClaims(audience: string, overrides: Claims = {}): Claims {
    const now = Math.floor(Date.now() / 1000);
    const iap = {
      iss: IAP_ISSUER,
      sub: 'accounts.google.com:1000000000001',
      hd: 'example.com',
      exp: now + 600,
    };
    // IAP's assertion has no email_verified: undefined leaves it out of the JSON.
    return this.claims(audience, { ...iap, email_verified: undefined, ...overrides });
  }

  /**
   * A JWT signed with this issuer's algorithm (ES256 signatures in JOSE's r||s form); `key: 'other'` signs with a key
   * the certs do not hold, under the same kid; `kid` replaces the key id.
   */
  sign(claims: Claims, options: { key?: 'issuer' | 'other'; kid?: unknown; alg?: string } = {}): string {
    // kid null: a header without one; any other value is sent as given (a forger's array, number…).
    const kid = options.kid === null ? undefined : (options.kid ?? this.kid);
    const header = { alg: options.alg ?? this.alg, typ: 'JWT', kid };
    const input = `${b64(header)}.${b64(claims)}`;
    const key = options.key === 'other' ? (this.otherKey ??= this.newKeyPair().privateKey) : this.privateKey;
    const signature = createSign('SHA256')
      .update(input)
      .sign({ key, dsaEncoding: 'ieee-p1363' })
      .toString('base64url');
    return `${input}.${signature}`;
  }

  /** The algorithm-confusion forgery: HS256 keyed with the issuer's public key, which anyone can fetch. */
  hmacForged(claims: Claims): string {
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: this.kid })}.${b64(claims)}`;
    return `${input}.${createHmac('sha256', this.publicPem).update(input).digest('base64url')}`;
  }

  /** What Cloud Run passes to the container after verifying a token: the signature replaced. */
  static stripped(claims: Claims): string {
    return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'google-kid' })}.${b64(claims)}.SIGNATURE_REMOVED_BY_GOOGLE`;
  }

  /** What a verified Google user's request carries behind Cloud Run (for the benches): stripped, valid until 2100. */
  static platformVerified(email: string): string {
    return TestIssuer.stripped({ iss: GOOGLE_ISSUER, email, email_verified: true, exp: 4102444800 });
  }

  /** An `alg: none` token, as a forger sends it. */
  static unsigned(claims: Claims): string {
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  }
}

/** A request as functions-framework hands it over: headers (lower-case), their distinct values, a remote peer. */
export function requestWith(headers: Array<[string, string]>, host: string): IncomingMessage {
  const distinct: Record<string, string[]> = { host: [host] };
  for (const [name, value] of headers) (distinct[name.toLowerCase()] ??= []).push(value);
  const joined = Object.fromEntries(
    Object.entries(distinct).map(([name, values]) => [name, values.join(', ')]),
  );
  return { headers: joined, headersDistinct: distinct, socket: { remoteAddress: '203.0.113.7' } } as never;
}

/**
 * Asserts that `check` refuses `req` with a 401 (AuthError) whose message matches, with `error` as its RFC 6750 code,
 * quoting no part of the credentials in the `headers` named.
 */
export async function assertRefusal(
  check: { principalOf(req: IncomingMessage): Promise<string> },
  req: IncomingMessage,
  message: RegExp,
  error: BearerError | undefined,
  headers: string[],
): Promise<void> {
  const parts = headers
    .flatMap((name) =>
      String(req.headers[name] ?? '')
        .replace(/^Bearer /, '')
        .split('.'),
    )
    .filter((part) => part.length > 8);
  await assert.rejects(check.principalOf(req), (err: Error) => {
    assert.ok(err instanceof AuthError, `${err.name}: ${err.message}`);
    assert.equal(err.code, 'UNAUTHENTICATED');
    assert.match(err.message, message);
    assert.equal(err.bearerError, error);
    for (const part of parts) assert.ok(!err.message.includes(part), 'no part of a credential is echoed');
    return true;
  });
}
