// The `mcp` HTTP function: stateless Streamable HTTP on POST /mcp and POST /. Our front checks (path, Host, Origin,
// CORS, method, size, JSON, identity) run first; then protocol.ts serves protocol 2026-07-28 (server/discover,
// per-request metadata, Mcp-Method/Mcp-Name checks) and, on the same URL, stateless 2025-era clients, with a fresh
// server per request. Also serves signed local blob links (/blobs/...) and /healthz.
// Client mistakes get 4xx JSON-RPC errors, never 5xx.
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { localhostAllowedHostnames, validateHostHeader } from '@modelcontextprotocol/server';
import { principalOf } from '../auth/principal.js';
import { BLOB_ROUTE } from '../blobs/local.js';
import { AppError, errorPolicy, JSON_RPC } from '../errors.js';
import { errorFields, log, logWithReference, runWithTrace, traceOfRequest } from '../log.js';
import type { Runtime } from '../runtime.js';
import { createProtocolHandler } from './protocol.js';
import { answerJsonRpcError, BodyRefusal, bodyIsGuarded, readBody } from './request-guard.js';
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
    // Read under the cap before anything else looks at the request (identity included): the guard holds the body.
    if (!bodyIsGuarded(req)) {
      jsonRpcError(
        res,
        415,
        INVALID_REQUEST,
        'CloudEvent deliveries are not MCP requests: POST JSON-RPC to /mcp.',
      );
      return;
    }
    let body: unknown;
    try {
      body = parseJson(await readBody(req, runtime.config.maxRequestBytes));
    } catch (err) {
      if (!(err instanceof BodyRefusal)) throw err;
      answerJsonRpcError(
        res,
        err.status,
        err.status === 400 ? PARSE_ERROR : INVALID_REQUEST,
        err.message,
        true,
      );
      return;
    }

    let principal: string;
    try {
      principal = principalOf(req, runtime.config);
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
    const runtime = await getRuntime();
    // Every line logged while serving carries the request's trace (log.ts).
    await runWithTrace(traceOfRequest(req.headers), runtime.config.google.project, () =>
      serve(runtime, req, res),
    );
  };
}

/** The JSON-RPC payload, or undefined for an empty body (the transport reports it). */
function parseJson(bytes: Buffer | undefined): unknown {
  const text = bytes?.toString('utf8') ?? '';
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyRefusal(400, `Parse error: body is not valid JSON (${(err as Error).message})`);
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
  if (policy.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer realm="veo-mcp"');
  jsonRpcError(res, policy.httpStatus, policy.jsonRpcCode, message);
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
