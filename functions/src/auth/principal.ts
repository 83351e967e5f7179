// Who is calling. Locally there is one user; on Cloud Run functions the platform has already verified the caller's
// Google ID token (IAM invoker), so its email claim names the principal.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/index.js';

export const LOCAL_PRINCIPAL = 'local';

export function principalOf(req: IncomingMessage, config: Pick<Config, 'onCloud'>): string {
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
