// Who is calling. With AUTH_MODE=iam, Cloud Run has already verified the caller's Google ID token (IAM invoker),
// so its email claim names the principal; on a laptop there is one local principal. With AUTH_MODE=api_key, the
// caller presents a key (Authorization: Bearer KEY or X-API-Key) whose SHA-256 must be listed in API_KEY_HASHES;
// only hashes are configured, so no key is ever stored, logged or compared in plain text.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';

export const LOCAL_PRINCIPAL = 'local';

export function principalOf(req: IncomingMessage, config: Pick<Config, 'onCloud' | 'auth'>): string {
  if (config.auth.mode === 'api_key') return apiKeyPrincipal(req, config.auth.apiKeyHashes);
  if (!config.onCloud) return LOCAL_PRINCIPAL;
  const token = /^Bearer ([\w-]+)\.([\w-]+)\.[\w-]+$/.exec(req.headers.authorization ?? '');
  if (token) {
    try {
      const claims = JSON.parse(Buffer.from(token[2]!, 'base64url').toString('utf8')) as {
        email?: string;
        sub?: string;
      };
      if (claims.email) return `user:${claims.email}`;
      if (claims.sub) return `sub:${claims.sub}`;
    } catch {
      // Not a JWT we can read: fall through to the shared principal.
    }
  }
  return 'anonymous';
}

function apiKeyPrincipal(req: IncomingMessage, hashes: string[]): string {
  const header = req.headers['x-api-key'];
  const key =
    (typeof header === 'string' ? header : undefined) ??
    /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!key) {
    throw new AppError(
      'UNAUTHENTICATED',
      'Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>.',
    );
  }
  const digest = createHash('sha256').update(key).digest();
  const match = hashes.find((hex) => {
    const listed = Buffer.from(hex, 'hex');
    return listed.length === digest.length && timingSafeEqual(listed, digest);
  });
  if (!match) throw new AppError('UNAUTHENTICATED', 'Invalid API key.');
  return `key:${match.slice(0, 12)}`;
}
