// The front door of every functions-framework server in this process, ahead of its body parsers: security headers on
// every answer, JSON (never HTML or a stack) for errors the framework raises itself, and the request body taken away
// from the framework so the MCP handler reads it under MAX_REQUEST_BYTES — after inflation, never holding more.
//
// Why here: functions-framework 5 (build/src/server.js) puts body-parser first in its Express app with a 1024 MB
// limit, and body-parser 2 inflates gzip/deflate/br before the limit applies to the inflated stream; a 437 KB gzip
// body inflating to 1 GB crashed a 384 MB instance before any of our code ran. Node publishes each request on the
// `http.server.request.start` diagnostics channel synchronously before the server's 'request' event (Node 24
// lib/_http_server.js; https://nodejs.org/api/diagnostics_channel.html#http, read 2026-12-02), which is the only point
// ahead of the framework's middleware on the platform, where functions-framework's own CLI creates the server.
// body-parser reads no body when the request has neither Content-Length nor Transfer-Encoding (type-is hasBody), so
// moving those headers aside leaves the stream untouched for readBody() below.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { constants as zlibConstants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { JSON_RPC } from '../errors.js';
import { logWithReference } from '../log.js';

const { INVALID_REQUEST, INTERNAL_ERROR } = JSON_RPC;

/** Headers on every answer. API answers are never cached; nothing we serve is a page, so nothing may run or frame. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
  'Referrer-Policy': 'no-referrer',
};

/** How the request framed its body, kept when the guard moved the framing headers aside. */
interface BodyFraming {
  length?: number;
  chunked: boolean;
  encoding?: string;
}
const framings = new WeakMap<IncomingMessage, BodyFraming>();
const refusedEncodings = new WeakMap<IncomingMessage, string>();

/** A request body we will not read: the HTTP status and the JSON-RPC error message that says why. */
export class BodyRefusal extends Error {
  override name = 'BodyRefusal';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type ExpressApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  settings: Record<string, unknown>;
  use: (
    handler:
      | ((err: unknown, req: IncomingMessage, res: ServerResponse, next: () => void) => void)
      | ((req: IncomingMessage, res: ServerResponse) => void),
  ) => void;
};

/**
 * functions-framework's apps, recognised by the layer every one of them has (its execution-context middleware,
 * build/src/server.js); other servers in the process (an emulator, a test receiver, an Express 4 app whose `router`
 * getter throws) are left alone. Whether an app serves events is decided once per app, from its layers too:
 * servers of event functions (the poller and requests functions, pushed by Eventarc or Pub/Sub behind IAM) keep the
 * framework's parsers, which their handlers need, and get its Pub/Sub middleware, which an HTTP function's app lacks.
 * Their deliveries are never compressed, so a compressed one is refused (415) unread.
 */
const frameworkApps = new WeakMap<object, { events: boolean } | null>();
function frameworkAppOf(server: Server): { app: ExpressApp; events: boolean } | undefined {
  const app = server.listeners('request')[0] as ((...args: never[]) => unknown) | undefined;
  if (typeof app !== 'function') return undefined;
  let known = frameworkApps.get(app);
  if (known === undefined) {
    let names: Array<string | undefined> = [];
    try {
      const stack = (app as unknown as { router?: { stack?: Array<{ name?: string }> } }).router?.stack;
      names = Array.isArray(stack) ? stack.map((layer) => layer.name) : [];
    } catch {
      // Express 4's `router` getter throws: not functions-framework's (Express 5) app.
    }
    known = names.includes('executionContextMiddleware')
      ? { events: names.includes('legacyPubSubEventMiddleware') }
      : null;
    frameworkApps.set(app, known);
  }
  return known ? { app: app as unknown as ExpressApp, events: known.events } : undefined;
}

const compressed = (encoding: string | undefined): boolean =>
  encoding !== undefined && encoding.trim() !== '' && encoding.trim().toLowerCase() !== 'identity';

const patchedApps = new WeakSet<object>();
let installed = false;

const unparsableTargets = new WeakSet<IncomingMessage>();

/**
 * Whether Express can route the target. Its router finds the path with parseurl, which takes a `/` path itself and
 * hands anything else to url.parse: that throws on some targets WHATWG URL accepts (`http://a%@b/mcp`) and finds no
 * path in others (`a://x`), and Express then skips every handler. So only a path or `*` is handed on as it came
 * (checked 2026-12-02 against router 2 getPathname and parseurl 1.3 in node_modules); the MCP handler refuses every
 * other target anyway.
 */
function parsableTarget(target: string | undefined): boolean {
  if (target !== '*' && !target?.startsWith('/')) return false;
  try {
    new URL(target ?? '', 'http://host');
    return true;
  } catch {
    return false;
  }
}

/** Whether the request's target could not be parsed (the guard then handed it on as `/`). */
export const hadUnparsableTarget = (req: IncomingMessage): boolean => unparsableTargets.has(req);

/** Subscribes the guard once per process; importing the MCP handler installs it. */
export function installRequestGuard(): void {
  if (installed) return;
  installed = true;
  subscribe('http.server.request.start', (message) => {
    const { request, response, server } = message as {
      request: IncomingMessage;
      response: ServerResponse;
      server: Server;
    };
    const framework = frameworkAppOf(server);
    if (!framework) return;
    const { app, events } = framework;
    installJsonErrors(app);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    // A target Express cannot route (`http://[`, `http://a%@b/`, any absolute form) makes it skip every handler,
    // ours included, and answer its own HTML 404: an HTTP function gets it as `/` marked unparsable, and the MCP
    // handler refuses it (400, JSON).
    if (!events && !parsableTarget(request.url)) {
      unparsableTargets.add(request);
      request.url = '/';
    }
    const headers = request.headers;
    if (events) {
      if (compressed(headers['content-encoding'])) {
        refusedEncodings.set(request, headers['content-encoding']!);
        // body-parser answers an encoding it does not know with 415 before reading a byte.
        headers['content-encoding'] = 'x-refused';
      }
      return;
    }
    const declared = headers['content-length'];
    framings.set(request, {
      length: declared === undefined ? undefined : Number(declared),
      chunked: headers['transfer-encoding'] !== undefined,
      encoding: headers['content-encoding'],
    });
    delete headers['content-length'];
    delete headers['transfer-encoding'];
  });
}
installRequestGuard();

type Decoder = 'gzip' | 'deflate' | 'br';
const DECODERS: Record<string, Decoder> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };

function decoderFor(encoding: string | undefined): Decoder | undefined {
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) {
    throw new BodyRefusal(
      415,
      `Content-Encoding "${encoding}" stacks ${codings.length} encodings; send the body uncompressed or with one of gzip, deflate, br.`,
    );
  }
  const decoder = DECODERS[codings[0]!];
  if (!decoder) {
    throw new BodyRefusal(
      415,
      `Content-Encoding "${codings[0]}" is not supported; send the body uncompressed or with one of gzip, deflate, br.`,
    );
  }
  return decoder;
}

function checkCharset(contentType: string | undefined): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    throw new BodyRefusal(415, `Charset "${charset}" is not supported; MCP messages are UTF-8 JSON.`);
  }
}

function decompressor(decoder: Decoder): Transform {
  // finishFlush: a truncated stream ends with what it has instead of a late error; the parser then reports it.
  if (decoder === 'br') return createBrotliDecompress();
  const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH };
  return decoder === 'gzip' ? createGunzip(options) : createInflate(options);
}

/**
 * Request-body bytes one instance holds at once, across concurrent requests (MAX_REQUEST_BYTES_IN_FLIGHT). A body
 * is counted as it is read and given back when its answer is done, since it stays in memory (parsed, decoded) while
 * the request is served: one caller's concurrent 32 MB bodies cannot take a 1 GiB instance down. A body that would
 * pass the budget is refused with 503 and Retry-After, as a busy instance would be.
 */
export class BodyBudget {
  readonly limit: number;
  private held = 0;
  constructor(limit: number) {
    this.limit = limit;
  }
  get inFlight(): number {
    return this.held;
  }
  /**
   * Takes `bytes` if they fit, for the request `res` answers; they come back when `res` closes. Nothing is taken
   * for an answer already closed (Node marks it destroyed as it emits 'close'): its bytes would never come back.
   * A compressed body still inflates after its client hung up, and each of a few such requests held up to
   * MAX_REQUEST_BYTES of the budget until the instance stopped.
   */
  take(res: ServerResponse, bytes: number): boolean {
    if (res.destroyed || this.held + bytes > this.limit) return false;
    this.held += bytes;
    const taken = (res as ServerResponse & { [HELD]?: number })[HELD] ?? 0;
    if (taken === 0) res.once('close', () => this.giveBack(res));
    (res as ServerResponse & { [HELD]?: number })[HELD] = taken + bytes;
    return true;
  }
  private giveBack(res: ServerResponse): void {
    this.held -= (res as ServerResponse & { [HELD]?: number })[HELD] ?? 0;
    (res as ServerResponse & { [HELD]?: number })[HELD] = 0;
  }
}
const HELD = Symbol('bodyBytesHeld');

const CLIENT_GONE = 'The client closed the connection before its body was read.';

/**
 * Reads a guarded request's body: at most `maxBytes` raw and, when compressed, at most `maxBytes` inflated; the
 * inflation stops at the first chunk past the cap, so memory never holds more than the cap and one zlib chunk.
 * With a `budget`, the decoded bytes also count against the instance's in-flight budget until `res` closes.
 * Resolves undefined for an empty body; throws BodyRefusal (413, 415, 400, 503) otherwise. After a refusal the caller
 * answers with `Connection: close`, which discards the rest of the upload.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  budget?: { res: ServerResponse; bodies: BodyBudget },
): Promise<Buffer | undefined> {
  const framing = framings.get(req);
  // Only a wiring mistake gets here (an HTTP function served by something other than functions-framework).
  if (!framing) throw new Error('readBody: the request guard does not hold this body');
  checkCharset(req.headers['content-type']);
  const decoder = decoderFor(framing.encoding);
  if (framing.length !== undefined && framing.length > maxBytes) {
    throw new BodyRefusal(
      413,
      `Request body of ${framing.length} bytes exceeds the ${maxBytes}-byte limit (MAX_REQUEST_BYTES).`,
    );
  }
  if (!framing.chunked && !framing.length) return undefined;
  // The client hung up while the caller awaited something else (identity): the stream's 'close' and 'error' have
  // been emitted and no data will come, so the listeners below would wait forever.
  if (req.destroyed) throw new BodyRefusal(400, CLIENT_GONE);

  const inflate = decoder ? decompressor(decoder) : undefined;
  const source = inflate ?? req;
  const chunks: Buffer[] = [];
  let raw = 0;
  let total = 0;
  return new Promise<Buffer | undefined>((resolve, reject) => {
    let settled = false;
    const stop = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (inflate) {
        req.unpipe(inflate);
        inflate.destroy();
      }
      req.removeListener('data', countRaw);
      if (err) {
        req.resume(); // Drain what is in flight; the answer closes the connection.
        reject(err);
      } else resolve(total === 0 ? undefined : Buffer.concat(chunks, total));
    };
    const countRaw = (chunk: Buffer): void => {
      raw += chunk.length;
      if (raw > maxBytes) {
        stop(
          new BodyRefusal(
            413,
            `Request body exceeds the ${maxBytes}-byte limit (MAX_REQUEST_BYTES) before decoding.`,
          ),
        );
      }
    };
    if (inflate) {
      req.on('data', countRaw);
      req.pipe(inflate);
      inflate.on('error', (err) =>
        stop(
          new BodyRefusal(
            400,
            `Parse error: the body is not valid ${decoder} data as its Content-Encoding says (${err.message}).`,
          ),
        ),
      );
    }
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (budget && !budget.bodies.take(budget.res, chunk.length)) {
        if (budget.res.destroyed) return stop(new BodyRefusal(400, CLIENT_GONE));
        stop(
          new BodyRefusal(
            503,
            `This instance is holding ${budget.bodies.inFlight} bytes of request bodies (MAX_REQUEST_BYTES_IN_FLIGHT ` +
              `is ${budget.bodies.limit}); retry in a moment.`,
          ),
        );
        return;
      }
      total += chunk.length;
      if (total > maxBytes) {
        stop(
          new BodyRefusal(
            413,
            inflate
              ? `Request body inflates past the ${maxBytes}-byte limit (MAX_REQUEST_BYTES); the limit applies to the decoded body.`
              : `Request body exceeds the ${maxBytes}-byte limit (MAX_REQUEST_BYTES).`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => stop());
    req.on('error', (err) =>
      stop(new BodyRefusal(400, `The request body could not be read (${err.message}).`)),
    );
    req.on('close', () => {
      if (!req.complete) stop(new BodyRefusal(400, 'The request body was cut off.'));
    });
  });
}

/** A JSON-RPC error answer without an id (the request could not be read far enough to know one). */
export function answerJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  closeConnection = false,
): void {
  if (res.headersSent) return;
  if (closeConnection) res.setHeader('Connection', 'close');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * Errors the framework's own middleware raises (body-parser on CloudEvent deliveries, a malformed URL) reach
 * Express's default handler, which answers HTML with a stack trace outside production; requests no route matches
 * get its HTML 404 page. These appended handlers answer both as JSON-RPC errors instead: a 404; a 4xx with
 * body-parser's message (written for callers); anything else as an internal error with a logged reference.
 */
function installJsonErrors(app: ExpressApp): void {
  if (patchedApps.has(app)) return;
  patchedApps.add(app);
  // A target no route of the framework matches (`*`) would get Express's own 404 page, in HTML. (A target its
  // router cannot parse at all, `http://[`, skips every handler and still gets that page.)
  app.use((_req: IncomingMessage, res: ServerResponse) =>
    answerJsonRpcError(
      res,
      404,
      INVALID_REQUEST,
      'Not found: the request target names no endpoint of this server.',
    ),
  );
  app.use((err, req, res, _next) => {
    const status = (err as { status?: number }).status ?? 500;
    const type = (err as { type?: string }).type;
    if (type === 'encoding.unsupported' && refusedEncodings.has(req)) {
      return answerJsonRpcError(
        res,
        415,
        INVALID_REQUEST,
        `Content-Encoding "${refusedEncodings.get(req)}" is not accepted on CloudEvent deliveries; send them uncompressed.`,
        true,
      );
    }
    if (type === 'entity.parse.failed') {
      return answerJsonRpcError(res, 400, JSON_RPC.PARSE_ERROR, 'Parse error: the body is not valid JSON.');
    }
    if (status >= 400 && status < 500) {
      return answerJsonRpcError(res, status, INVALID_REQUEST, (err as Error).message, true);
    }
    answerJsonRpcError(
      res,
      500,
      INTERNAL_ERROR,
      `Internal error (reference ${logWithReference('Request failed in the framework', err)}).`,
    );
  });
}
