// The `mcp` HTTP function: stateless Streamable HTTP on POST /mcp and POST /. Our front checks (path, Host, Origin,
// CORS, method, identity, the body read under its cap by request-guard.ts, JSON, JSON-RPC shape) run first; then
// protocol.ts serves protocol 2026-07-28 (server/discover, per-request metadata, Mcp-Method/Mcp-Name checks) and, on
// the same URL, stateless 2025-era clients, with a fresh server per request. Also serves signed local blob links
// (/blobs/...) and /healthz. Client mistakes get 4xx JSON-RPC errors, never 5xx.
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { localhostAllowedHostnames, validateHostHeader } from '@modelcontextprotocol/server';
import { AuthError, PROTECTED_RESOURCE_METADATA_PATH, protectedResourceMetadata } from '../auth/challenge.js';
import { BLOB_ROUTE } from '../blobs/local.js';
import { AppError, errorPolicy, JSON_RPC } from '../errors.js';
import { errorFields, log, logWithReference, runWithTrace, traceOfRequest } from '../log.js';
import type { Runtime } from '../runtime.js';
import { refusePrototypeKeys } from '../video/input-rules.js';
import { createProtocolHandler } from './protocol.js';
import {
  answerJsonRpcError,
  BodyBudget,
  BodyRefusal,
  hadUnparsableTarget,
  readBody,
} from './request-guard.js';
import { createMcpServer } from './server.js';

const { PARSE_ERROR, INVALID_REQUEST } = JSON_RPC;
// Exactly the request headers we read: identity (Authorization, X-Serverless-Authorization — which Cloud Run
// verifies in its place — and X-API-Key) and the MCP transport headers of the 2025 and 2026-07-28 eras. Stateless:
// no Mcp-Session-Id and no Last-Event-Id (no streams to resume). Accept is CORS-safelisted.
export const CORS_ALLOWED_HEADERS =
  'Content-Type, Authorization, X-Serverless-Authorization, X-API-Key, Mcp-Protocol-Version, Mcp-Method, Mcp-Name';

export type HttpHandler = (req: Request, res: Response) => Promise<void>;

export function createMcpHttpHandler(getRuntime: () => Promise<Runtime>): HttpHandler {
  // One request-body budget per instance (MAX_REQUEST_BYTES_IN_FLIGHT), shared by its concurrent requests.
  let budget: BodyBudget | undefined;
  const bodies = (runtime: Runtime): BodyBudget =>
    (budget ??= new BodyBudget(runtime.config.maxRequestBytesInFlight));
  // One protocol handler per instance; the factory builds a server for each request's (already verified) principal.
  let mcp: NodeMcpRequestHandler | undefined;
  const mcpHandler = (runtime: Runtime): NodeMcpRequestHandler =>
    (mcp ??= createProtocolHandler(
      ({ authInfo, era }) => {
        if (!authInfo?.clientId)
          throw new Error('MCP request reached the server factory without a principal');
        const method = authInfo.extra?.['method'];
        return createMcpServer(
          runtime,
          authInfo.clientId,
          typeof method === 'string' ? method : undefined,
          era,
        );
      },
      {
        onRejected: (err) => log.debug('MCP request rejected', errorFields(err)),
        onFailed: (err) => log.error('MCP request failed', errorFields(err)),
      },
    ));

  const serve = async (runtime: Runtime, req: Request, res: Response): Promise<void> => {
    // HTTP/1.1 lets clients send the target in absolute form (`POST http://host/mcp`), meant for proxies; neither
    // our URL parsing nor the SDK's (which prefixes the Host) can take one, so it is refused as the mistake it is.
    if (!req.url?.startsWith('/') || hadUnparsableTarget(req)) {
      jsonRpcError(
        res,
        400,
        INVALID_REQUEST,
        'The request target must be a path such as /mcp, not an absolute URL or *.',
      );
      return;
    }
    const path = new URL(`http://host${req.url}`).pathname;

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
      // A browser client reads the authorization challenge (MCP authorization: WWW-Authenticate on 401).
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
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
    // Identity first: it needs only the headers. Reading, inflating and parsing a body costs seconds of CPU for ~30 KB
    // of gzip, so a caller we do not know gets nothing of it; the refusal closes the connection, which discards the
    // unread upload.
    let principal: string;
    try {
      principal = await runtime.auth.principalOf(req);
    } catch (err) {
      res.setHeader('Connection', 'close');
      answerError(res, err);
      return;
    }
    // Then the body, read under the cap before anything else looks at it: the guard holds it.
    let body: unknown;
    try {
      body = parseJson(await readBody(req, runtime.config.maxRequestBytes, { res, bodies: bodies(runtime) }));
    } catch (err) {
      if (!(err instanceof BodyRefusal)) return answerError(res, err);
      if (err.status === 503) res.setHeader('Retry-After', '1');
      answerJsonRpcError(
        res,
        err.status,
        err.status === 400 ? PARSE_ERROR : INVALID_REQUEST,
        err.message,
        true,
      );
      return;
    }

    const malformed = jsonRpcShapeError(body);
    if (malformed) {
      jsonRpcError(res, 400, malformed.code, malformed.message, malformed.id);
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
    leaveKeepAliveToNode(res);
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

/**
 * Connection is a hop-by-hop header, the HTTP server's to decide (RFC 9110 section 7.6.1). The SDK names `keep-alive`
 * on its SSE answers, and Node honours an explicit header over a client's `Connection: close`, so the socket the client
 * asked to close stayed open until the server's keep-alive timeout (a minute of an idle socket per answer). The SDK's
 * `close` (after a refused upload) is kept.
 */
function leaveKeepAliveToNode(res: Response): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => Response;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.at(-1);
    if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
      const named = headers as Record<string, unknown>;
      for (const name of Object.keys(named)) {
        if (name.toLowerCase() === 'connection' && /^keep-alive$/i.test(String(named[name])))
          delete named[name];
      }
    }
    return writeHead(status, ...rest);
  }) as Response['writeHead'];
}

/** The JSON-RPC payload, or undefined for an empty body (the transport reports it). */
function parseJson(bytes: Buffer | undefined): unknown {
  const text = bytes?.toString('utf8') ?? '';
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, refusePrototypeKeys);
  } catch (err) {
    throw new BodyRefusal(400, `Parse error: body is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * DNS-rebinding guard. The MCP Streamable HTTP transport (2025-11-25 and 2026-07-28, "Security Warning", read
 * 2026-12-02) says servers MUST validate Origin on every request and answer an invalid one 403 (originAllowed, on
 * every request), and SHOULD bind to localhost when local. A page on evil.example that rebinds its name to
 * 127.0.0.1 still sends Host: evil.example, so off the platform the Host must name this server. On Cloud Run the
 * Google front end routes a request to the service only for the service's own run.app hosts and mapped domains, so
 * a rebinding name never reaches us with its own Host: there the routing is the Host check.
 */
function hostRejected(req: Request, runtime: Runtime): string | undefined {
  const { onCloud, publicBaseUrl } = runtime.config;
  if (onCloud) return undefined;
  const allowed = [...new Set([...localhostAllowedHostnames(), new URL(publicBaseUrl).hostname])];
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

function jsonRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id });
}

// Batches: MCP 2025-03-26 servers must receive them (later versions dropped them); a cap keeps one HTTP request
// from carrying an unbounded number of calls.
const MAX_BATCH = 10;
const MAX_ID_CHARS = 256;

/**
 * What the SDK would accept but we refuse, after identity and before the SDK: oversized batches, ids too long to
 * echo or numbers that are not integers, and tools/call arguments that are not an object (the SDK answers those
 * with a dump of its validator's issues).
 */
function jsonRpcShapeError(
  body: unknown,
): { code: number; message: string; id: string | number | null } | undefined {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length > MAX_BATCH) {
    return {
      code: INVALID_REQUEST,
      message: `A JSON-RPC batch of ${messages.length} messages exceeds the limit of ${MAX_BATCH}; send fewer per request.`,
      id: null,
    };
  }
  for (const message of messages) {
    if (!message || typeof message !== 'object' || Array.isArray(message)) continue; // The transport answers these.
    const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof id === 'string' && id.length > MAX_ID_CHARS) {
      return {
        code: INVALID_REQUEST,
        message: `The JSON-RPC id is ${id.length} characters; at most ${MAX_ID_CHARS} are accepted.`,
        id: null,
      };
    }
    if (typeof id === 'number' && !Number.isSafeInteger(id)) {
      return {
        code: INVALID_REQUEST,
        message: `The JSON-RPC id ${id} is not an integer; use an integer or a string.`,
        id: null,
      };
    }
    const echo = typeof id === 'string' || typeof id === 'number' ? id : null;
    if (method === 'tools/call' && params && typeof params === 'object' && 'arguments' in params) {
      const args = (params as { arguments?: unknown }).arguments;
      if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
        const got = args === null ? 'null' : Array.isArray(args) ? 'an array' : `a ${typeof args}`;
        return {
          code: JSON_RPC.INVALID_PARAMS,
          message: `Invalid params: tools/call arguments must be a JSON object of named arguments, not ${got}.`,
          id: echo,
        };
      }
    }
  }
  return undefined;
}
