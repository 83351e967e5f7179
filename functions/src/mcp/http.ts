// The `mcp` HTTP function: stateless Streamable HTTP on POST /mcp and POST /. Our front checks (path, Host, Origin,
// CORS, method, size, JSON, identity) run first; then protocol.ts serves protocol 2026-07-28 (server/discover,
// per-request metadata, Mcp-Method/Mcp-Name checks) and, on the same URL, stateless 2025-era clients, with a fresh
// server per request. Also serves signed local blob links (/blobs/...) and /healthz.
// Client mistakes get 4xx JSON-RPC errors, never 5xx.
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { localhostAllowedHostnames, validateHostHeader } from '@modelcontextprotocol/server';
import { AuthError, PROTECTED_RESOURCE_METADATA_PATH, protectedResourceMetadata } from '../auth/challenge.js';
import { BLOB_ROUTE } from '../blobs/local.js';
import { AppError, errorPolicy, JSON_RPC } from '../errors.js';
import { errorFields, log, logWithReference, runWithTrace, traceOfRequest } from '../log.js';
import type { Runtime } from '../runtime.js';
import { createProtocolHandler } from './protocol.js';
import { createMcpServer } from './server.js';

const { PARSE_ERROR, INVALID_REQUEST } = JSON_RPC;
const CORS_HEADERS =
  'Content-Type, Authorization, X-API-Key, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id, Last-Event-Id';

export type HttpHandler = (req: Request, res: Response) => Promise<void>;

export function createMcpHttpHandler(getRuntime: () => Promise<Runtime>): HttpHandler {
  // One protocol handler per instance; the factory builds a server for each request's (already verified) principal.
  let mcp: NodeMcpRequestHandler | undefined;
  const mcpHandler = (runtime: Runtime): NodeMcpRequestHandler =>
    (mcp ??= createProtocolHandler(
      ({ authInfo }) => {
        if (!authInfo?.clientId)
          throw new Error('MCP request reached the server factory without a principal');
        const method = authInfo.extra?.['method'];
        return createMcpServer(runtime, authInfo.clientId, typeof method === 'string' ? method : undefined);
      },
      {
        onRejected: (err) => log.debug('MCP request rejected', errorFields(err)),
        onFailed: (err) => log.error('MCP request failed', errorFields(err)),
      },
    ));

  const serve = async (runtime: Runtime, req: Request, res: Response): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;

    if (
      runtime.localBlobs &&
      path.startsWith(BLOB_ROUTE) &&
      (req.method === 'GET' || req.method === 'HEAD')
    ) {
      return runtime.localBlobs.serve(req, res);
    }
    // RFC 9728 metadata (iam mode): MCP clients find the authorization server of Google ID tokens here.
    const metadataPaths = [PROTECTED_RESOURCE_METADATA_PATH, `${PROTECTED_RESOURCE_METADATA_PATH}/mcp`];
    if (runtime.auth.mode === 'iam' && metadataPaths.includes(path) && req.method === 'GET') {
      res.status(200).json(protectedResourceMetadata(runtime.auth.resourceBaseUrl(req)));
      return;
    }
    if (path === '/healthz') {
      res.status(200).json({ status: 'ok', backend: runtime.backendLabel });
      return;
    }
    if (path !== '/' && path !== '/mcp') {
      answerError(res, new AppError('NOT_FOUND', `Not found: ${path}. The MCP endpoint is POST /mcp.`));
      return;
    }

    const host = hostRejected(req, runtime);
    if (host) {
      answerError(res, new AppError('PERMISSION_DENIED', host));
      return;
    }

    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!originAllowed(origin, runtime)) {
        answerError(
          res,
          new AppError('PERMISSION_DENIED', `Origin ${origin} is not allowed. Add it to ALLOWED_ORIGINS.`),
        );
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', CORS_HEADERS);
      res.status(204).end();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      jsonRpcError(
        res,
        405,
        INVALID_REQUEST,
        `Method ${req.method} not allowed: this stateless endpoint accepts POST only.`,
      );
      return;
    }
    const size = req.rawBody?.length ?? Number(req.headers['content-length'] ?? 0);
    if (size > runtime.config.maxRequestBytes) {
      jsonRpcError(
        res,
        413,
        INVALID_REQUEST,
        `Request body of ${size} bytes exceeds the ${runtime.config.maxRequestBytes}-byte limit (MAX_REQUEST_BYTES).`,
      );
      return;
    }
    const body = parseBody(req);
    if (body instanceof Error) {
      jsonRpcError(res, 400, PARSE_ERROR, `Parse error: ${body.message}`);
      return;
    }

    let principal: string;
    try {
      principal = await runtime.auth.principalOf(req);
    } catch (err) {
      answerError(res, err);
      return;
    }
    // The SDK passes req.auth through to the server factory untouched: our verified principal, and the method, so
    // the factory builds only what the request can use.
    const method = (body as { method?: unknown } | undefined)?.method;
    (req as IncomingMessage & { auth?: unknown }).auth = {
      token: '',
      clientId: principal,
      scopes: [],
      extra: { method },
    };
    try {
      await mcpHandler(runtime)(req, res, body);
    } catch (err) {
      if (res.headersSent) log.error('MCP request failed after the response began', errorFields(err));
      else answerError(res, err);
    }
  };

  return async (req, res) => {
    installJsonRpcBodyErrors(req);
    const runtime = await getRuntime();
    // Every line logged while serving carries the request's trace (log.ts).
    await runWithTrace(traceOfRequest(req.headers), runtime.config.google.project, () =>
      serve(runtime, req, res),
    );
  };
}

/** The JSON-RPC payload: functions-framework has parsed JSON bodies already; other content types arrive raw. */
function parseBody(req: Request): unknown {
  if (req.body !== undefined && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    // An empty JSON body parses to {}: treat it as missing so the transport reports it properly.
    return req.rawBody?.length ? req.body : undefined;
  }
  const text = Buffer.isBuffer(req.body)
    ? req.body.toString('utf8')
    : typeof req.body === 'string'
      ? req.body
      : '';
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    return new Error(`body is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * DNS-rebinding guard for local binds: a page on evil.example that rebinds its name to 127.0.0.1 still sends
 * Host: evil.example. On the platform, Google's front end routes by host, so any Host reaching us is ours.
 */
function hostRejected(req: Request, runtime: Runtime): string | undefined {
  const { onCloud, publicBaseUrl } = runtime.config;
  if (onCloud) return undefined;
  const allowed = [...localhostAllowedHostnames(), new URL(publicBaseUrl).hostname];
  const result = validateHostHeader(req.headers.host, allowed);
  return result.ok
    ? undefined
    : `${result.message}. This local server answers Host ${allowed.join(', ')} (set PUBLIC_BASE_URL to add one).`;
}

function originAllowed(origin: string, runtime: Runtime): boolean {
  const { allowedOrigins, onCloud, publicBaseUrl } = runtime.config;
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return true;
  if (origin === new URL(publicBaseUrl).origin) return true;
  // Locally, browser tools such as the MCP Inspector run on localhost; a DNS-rebinding page does not.
  return !onCloud && /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin);
}

/**
 * Answers a failed request as the error-policy table says (errors.ts): its HTTP status and JSON-RPC code; the
 * message when it is written for the caller, else a reference to the logged details.
 */
function answerError(res: Response, err: unknown): void {
  const policy = errorPolicy(err);
  const message = policy.showMessage
    ? (err as AppError).message
    : `Internal error (reference ${logWithReference('MCP request failed', err)}).`;
  if (policy.code === 'UNAUTHENTICATED')
    res.setHeader('WWW-Authenticate', err instanceof AuthError ? err.challenge : 'Bearer realm="veo-mcp"');
  jsonRpcError(res, policy.httpStatus, policy.jsonRpcCode, message);
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

type ExpressLike = {
  use: (handler: (err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => void) => void;
};
const patchedApps = new WeakSet<object>();

/**
 * functions-framework parses JSON before our function runs and answers a malformed body with a bare 400.
 * Appending an error handler to its Express app turns those into JSON-RPC parse errors. Servers we start install it
 * before listening; on the platform it is installed on the first request an instance handles.
 */
export function installJsonRpcBodyErrors(req: Request | { app?: unknown }): void {
  const app = (req as { app?: ExpressLike }).app;
  if (!app || patchedApps.has(app)) return;
  patchedApps.add(app);
  app.use((err, _req, res, next) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      return jsonRpcError(
        res,
        400,
        PARSE_ERROR,
        `Parse error: body is not valid JSON (${(err as Error).message})`,
      );
    }
    if (type === 'entity.too.large') return jsonRpcError(res, 413, INVALID_REQUEST, 'Request body too large');
    next(err);
  });
}

/** For servers we create ourselves (npm start, tests): install the body error handler before any request. */
export function installJsonRpcBodyErrorsOnServer(server: import('node:http').Server): void {
  const app = server.listeners('request')[0];
  if (app) installJsonRpcBodyErrors({ app });
}
