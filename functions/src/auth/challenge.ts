// How a refused caller is told what to send, as the MCP authorization specification asks of a protected resource
// (modelcontextprotocol.io/specification/2025-06-18/basic/authorization and 2025-11-25, read 2026-12-02): a 401
// carries `WWW-Authenticate: Bearer` (RFC 6750) with `resource_metadata` pointing at our OAuth 2.0 Protected Resource
// Metadata (RFC 9728), which names Google as the authorization server whose ID tokens we accept.
import { AppError } from '../errors.js';

/** RFC 6750 §3.1 error codes: a token was sent but is no good, or the request itself is malformed. */
export type BearerError = 'invalid_token' | 'invalid_request';

/** A 401: UNAUTHENTICATED, with the `WWW-Authenticate` challenge the answer carries. */
export class AuthError extends AppError {
  readonly bearerError?: BearerError;
  /** Filled in by the authenticator, which knows the request's resource URL. */
  challenge = 'Bearer realm="veo-mcp"';
  constructor(message: string, options: { error?: BearerError } = {}) {
    super('UNAUTHENTICATED', message);
    this.bearerError = options.error;
  }
}

/** The path of our protected resource metadata: RFC 9728 §3.1 inserts the resource's path (/mcp) after it. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Google's ID tokens: issuer https://accounts.google.com. */
export const GOOGLE_AUTHORIZATION_SERVER = 'https://accounts.google.com';

/**
 * The `WWW-Authenticate` value for a refusal. Quotes and backslashes are dropped from the description so it stays one
 * quoted-string, and anything but printable ASCII becomes `?`: a message may quote what the caller sent (a token's
 * alg), and a header holding a character beyond Latin-1 makes Node's setHeader throw. It never holds a credential
 * (our messages name headers and rules, not values). The JSON body keeps the message as it is.
 */
export function bearerChallenge(err: AuthError, metadataUrl: string | undefined): string {
  const params = ['realm="veo-mcp"'];
  if (metadataUrl) params.push(`resource_metadata="${metadataUrl}"`);
  if (err.bearerError) {
    params.push(`error="${err.bearerError}"`);
    params.push(`error_description="${err.message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`);
  }
  return `Bearer ${params.join(', ')}`;
}

/** RFC 9728 metadata for the MCP endpoint at `baseUrl`/mcp, protected by Google ID tokens. */
export function protectedResourceMetadata(baseUrl: string): Record<string, unknown> {
  return {
    resource: `${baseUrl}/mcp`,
    authorization_servers: [GOOGLE_AUTHORIZATION_SERVER],
    bearer_methods_supported: ['header'],
    scopes_supported: ['openid', 'email'],
    resource_name: 'Veo MCP',
  };
}
