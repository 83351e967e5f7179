// A stand-in for Google's ID-token issuer: a locally generated RSA key signs RS256 JWTs, and a local HTTP server
// serves its public key in the shape of https://www.googleapis.com/oauth2/v1/certs ({ kid: PEM }), which the server
// under test reads through AUTH_CERTS_URL. Also makes the tokens an attacker would: unsigned, stripped, forged.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

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

export class TestIssuer {
  readonly kid = 'test-key-1';
  /** Certificate fetches served: the server under test should cache them. */
  fetches = 0;
  private readonly privateKey: KeyObject;
  private readonly otherKey: KeyObject;
  private readonly server: Server;
  certsUrl = '';

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const certs = JSON.stringify({ [this.kid]: pair.publicKey.export({ type: 'spki', format: 'pem' }) });
    this.server = createServer((_req, res) => {
      this.fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
      res.end(certs);
    });
  }

  async start(): Promise<this> {
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

  /** An RS256 JWT; `key: 'other'` signs with a key the certs do not hold, under the same kid. */
  sign(claims: Claims, options: { key?: 'issuer' | 'other'; kid?: string; alg?: string } = {}): string {
    const header = { alg: options.alg ?? 'RS256', typ: 'JWT', kid: options.kid ?? this.kid };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = createSign('RSA-SHA256')
      .update(input)
      .sign(options.key === 'other' ? this.otherKey : this.privateKey)
      .toString('base64url');
    return `${input}.${signature}`;
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
