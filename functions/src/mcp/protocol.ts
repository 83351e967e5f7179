// How one MCP message is served once the front checks have passed. tools/call (which may stream progress before its
// result) and batches go to the SDK's dual-era handler through its Node adapter, which relays streams. Every other
// message can send nothing before its result and is answered in one piece: 2026-07-28 by the same dual-era handler,
// 2025-era by a stateless transport with a plain JSON body instead of an SSE stream (the SDK's stateless fallback
// always streams), which is the cheaper answer the spec allows.
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type McpHandlerRequestOptions,
  type McpServerFactory,
} from '@modelcontextprotocol/server';

export interface ProtocolHandlerOptions {
  /** Requests the SDK refused (a client mistake, answered 4xx). */
  onRejected: (err: Error) => void;
  /** Failures while answering. */
  onFailed: (err: Error) => void;
}

/** `req.auth.extra.method` carries the request's JSON-RPC method (undefined for a batch or no body). */
export function createProtocolHandler(
  factory: McpServerFactory,
  { onRejected, onFailed }: ProtocolHandlerOptions,
): NodeMcpRequestHandler {
  const dualEra = createMcpHandler(factory, { onerror: onRejected });
  const streaming = toNodeHandler(dualEra, { onerror: onFailed });
  return async (req, res, parsedBody) => {
    const authInfo = (req as { auth?: AuthInfo }).auth;
    const method = authInfo?.extra?.['method'];
    if (typeof method !== 'string' || method === 'tools/call' || parsedBody === undefined) {
      return streaming(req, res, parsedBody);
    }
    // One message that answers at once: no stream to relay, so the answer is written in one piece.
    const request = headersOnlyRequest(req);
    const options = { authInfo, parsedBody };
    let response: Response;
    try {
      response = (await isLegacyRequest(request, parsedBody))
        ? await legacyJson(factory, request, options)
        : await dualEra.fetch(request, options);
    } catch (err) {
      onFailed(err instanceof Error ? err : new Error(String(err)));
      response = Response.json(
        { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null },
        { status: 500 },
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) headers[name] = value;
    res.writeHead(response.status, headers);
    res.end(response.body === null ? undefined : await response.text());
  };
}

/**
 * The web Request the SDK's transport reads for a message whose body is already parsed: method, URL and headers,
 * no body (the SDK takes `parsedBody` instead). The SDK's Node adapter would serialise the body again and relay the
 * answer as a stream: skipping both makes these messages ~20% cheaper.
 */
function headersOnlyRequest(req: Parameters<NodeMcpRequestHandler>[0]): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost';
  return new Request(`http://${host}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers });
}

async function legacyJson(
  factory: McpServerFactory,
  request: Request,
  options: McpHandlerRequestOptions,
): Promise<Response> {
  const server = await factory({ era: 'legacy', authInfo: options.authInfo, requestInfo: request });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request, options);
  } finally {
    void transport.close();
    void server.close();
  }
}
