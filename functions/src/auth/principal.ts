// Who is calling: one Authenticator per instance, for the mode the config resolved (config/loader.ts):
// - `iam`: the subject of a Google ID token (id-token.ts); there is no shared anonymous principal.
// - `api_key`: the principal a key was issued to (api-keys.ts).
// - `iap`: the user Identity-Aware Proxy verified, from the assertion it signs (iap.ts).
// - `local` (off the platform, no AUTH_MODE): the one local principal, for callers on this machine only, whatever
//   interface the server listens on (functions-framework's CLI listens on all of them).
// Every refusal is an AuthError (401) whose WWW-Authenticate challenge points at our protected resource metadata.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';
import type { Clock } from '../operations/clock.js';
import { ApiKeyCheck, type ApiKeyStore } from './api-keys.js';
import { AuthError, bearerChallenge, PROTECTED_RESOURCE_METADATA_PATH } from './challenge.js';
import { IapAssertionCheck } from './iap.js';
import { IdTokenCheck, ownUrlOf, singleHeader } from './id-token.js';

export const LOCAL_PRINCIPAL = 'local';

export interface Authenticator {
  readonly mode: Config['auth']['mode'];
  /** The verified principal of a request; throws AuthError (401) or AppError PERMISSION_DENIED (403). */
  principalOf(req: IncomingMessage): Promise<string>;
  /** Where this endpoint's protected resource metadata is served (iam mode), for the 401 challenge. */
  resourceBaseUrl(req: IncomingMessage): string;
}

export interface AuthenticatorDeps {
  apiKeys?: ApiKeyStore;
  clock: Clock;
}

export function createAuthenticator(
  config: Pick<Config, 'auth' | 'onCloud' | 'publicBaseUrl'>,
  deps: AuthenticatorDeps,
): Authenticator {
  const { auth, onCloud } = config;
  const resourceBaseUrl = (req: IncomingMessage): string =>
    auth.serviceUrl || ownUrlOf(req, onCloud) || config.publicBaseUrl;
  const idTokens =
    auth.mode === 'iam'
      ? new IdTokenCheck({
          onCloud,
          audiences: auth.audiences,
          certsUrl: auth.certsUrl,
          now: () => deps.clock.now(),
        })
      : undefined;
  const apiKeys =
    auth.mode === 'api_key'
      ? new ApiKeyCheck({
          hashes: auth.apiKeyHashes,
          store: deps.apiKeys,
          cacheSeconds: auth.cacheSeconds,
          clock: deps.clock,
        })
      : undefined;

  const iapAssertions =
    auth.mode === 'iap' && auth.iapAudience
      ? new IapAssertionCheck({
          audience: auth.iapAudience,
          certsUrl: auth.iapCertsUrl,
          now: () => deps.clock.now(),
        })
      : undefined;

  const identify = async (req: IncomingMessage): Promise<string> => {
    if (idTokens) return idTokens.principalOf(req);
    if (iapAssertions) return iapAssertions.principalOf(req);
    if (auth.mode === 'iap') throw new AppError('INTERNAL', 'AUTH_MODE=iap without IAP_AUDIENCE.');
    if (apiKeys) return apiKeys.principalOf(apiKeyOf(req));
    if (!isLoopback(req.socket.remoteAddress)) {
      throw new AppError(
        'PERMISSION_DENIED',
        'This server runs without AUTH_MODE, as the local principal, and answers callers on this machine only. ' +
          'Set AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key to serve other hosts.',
      );
    }
    return LOCAL_PRINCIPAL;
  };

  return {
    mode: auth.mode,
    resourceBaseUrl,
    async principalOf(req) {
      try {
        return await identify(req);
      } catch (err) {
        if (err instanceof AuthError) {
          const metadata =
            auth.mode === 'iam'
              ? `${resourceBaseUrl(req)}${PROTECTED_RESOURCE_METADATA_PATH}/mcp`
              : undefined;
          err.challenge = bearerChallenge(err, metadata);
        }
        throw err;
      }
    },
  };
}

/**
 * The key from `X-API-Key: KEY` or `Authorization: Bearer KEY`; both may be sent only if they agree. A JWT in
 * Authorization is not a key (keys hold no dots): it is the ID token a private Cloud Run service asked for, so with
 * IAM in front the key goes in X-API-Key.
 */
function apiKeyOf(req: IncomingMessage): string {
  const header = singleHeader(req, 'x-api-key');
  const authorization = singleHeader(req, 'authorization');
  const bearer = authorization === undefined ? undefined : /^Bearer (\S+)$/.exec(authorization)?.[1];
  const idToken = bearer !== undefined && bearer.split('.').length === 3;
  if (authorization !== undefined && bearer === undefined && header === undefined) {
    throw new AuthError('Authorization must be "Bearer " followed by one API key.', {
      error: 'invalid_request',
    });
  }
  if (header !== undefined && bearer !== undefined && !idToken && header !== bearer) {
    throw new AuthError('X-API-Key and Authorization carry different keys: send one key.', {
      error: 'invalid_request',
    });
  }
  const key = header ?? (idToken ? undefined : bearer);
  if (!key) {
    throw new AuthError(
      `Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>${idToken ? ' (Authorization holds an ID token, not a key: put the key in X-API-Key)' : ''}.`,
    );
  }
  return key;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}
