// How one MCP message is served once the front checks have passed. Protocol 2026-07-28, and 2025-era tools/call
// (which may stream progress before its result), go to the SDK's dual-era handler. Every other 2025-era message
// (initialize, tools/list, ping, notifications) can send nothing before its result, so it is answered with a plain
// JSON body from a stateless transport instead of an SSE stream (the SDK's stateless fallback always streams), which
// is the cheaper answer the spec allows.
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpHandlerRequestOptions,
  type McpServerFactory,
} from '@modelcontextprotocol/server';

export interface ProtocolHandlerOptions {
  /** Requests the SDK refused (a client mistake, answered 4xx). */
  onRejected: (err: Error) => void;
  /** Failures while answering. */
  onFailed: (err: Error) => void;
}

/** `options.authInfo.extra.method` carries the request's JSON-RPC method (undefined for a batch or no body). */
export function createProtocolHandler(
  factory: McpServerFactory,
  { onRejected, onFailed }: ProtocolHandlerOptions,
): NodeMcpRequestHandler {
  const dualEra = createMcpHandler(factory, { onerror: onRejected });
  return toNodeHandler(
    {
      fetch: async (request, options) => {
        const method = options?.authInfo?.extra?.['method'];
        const streams = typeof method !== 'string' || method === 'tools/call';
        if (!streams && (await isLegacyRequest(request, options?.parsedBody))) {
          return legacyJson(factory, request, options);
        }
        return dualEra.fetch(request, options);
      },
    },
    { onerror: onFailed },
  );
}

async function legacyJson(
  factory: McpServerFactory,
  request: Request,
  options: McpHandlerRequestOptions | undefined,
): Promise<Response> {
  const server = await factory({ era: 'legacy', authInfo: options?.authInfo, requestInfo: request });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request, {
      authInfo: options?.authInfo,
      parsedBody: options?.parsedBody,
    });
  } finally {
    void transport.close();
    void server.close();
  }
}
