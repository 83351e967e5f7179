// The MCP server factory (SDK v2): a new McpServer per request (stateless, either protocol era), with every tool
// registered for one principal. Capabilities are exactly what is implemented: tools, without list_changed (the list
// never changes while an instance runs). tools/list is computed once per instance and carries a cache hint.
import {
  InMemoryTransport,
  McpServer,
  type JSONRPCMessage,
  type ListToolsResult,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Runtime } from '../runtime.js';
import { registerGenerateVideoTool } from './tools/generate-video.js';
import { registerGetVideoOperationTool } from './tools/get-video-operation.js';
import { registerListVideoModelsTool } from './tools/list-video-models.js';
import { registerListVideoOperationsTool } from './tools/list-video-operations.js';

export const SERVER_NAME = 'veo-mcp-cloud';
export const SERVER_VERSION = '0.1.0';

/**
 * How long 2026-07-28 clients may reuse tools/list and server/discover answers. Both are the same for every caller
 * and change only with a deploy, so shared caches may keep them ("public") for a few minutes.
 */
const LIST_CACHE_HINT = { ttlMs: 5 * 60_000, cacheScope: 'public' } as const;

/** One JSON Schema validator per instance, rather than one compiled per request's server. */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/** The tools/list answer, computed once per instance: turning zod schemas into JSON Schema is the costly part. */
let toolList: Promise<ListToolsResult> | undefined;

export function createMcpServer(runtime: Runtime, principal: string): McpServer {
  const server = registerAll(runtime, principal);
  server.server.setRequestHandler('tools/list', async () => {
    toolList ??= listToolsOnce(runtime).catch((err: unknown) => {
      toolList = undefined; // Never cache a failure.
      throw err;
    });
    // A copy: the 2026-07-28 encoder adds cache fields to the object it sends.
    return { ...(await toolList) };
  });
  return server;
}

function registerAll(runtime: Runtime, principal: string): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Veo MCP Cloud' },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        'Generate videos with Google Veo. generate_video returns an operation_id at once; poll it with ' +
        'get_video_operation until SUCCEEDED, then use the signed links. Always pass an idempotency_key: ' +
        `Veo bills per second of video. Backend: ${runtime.backendLabel}.`,
      jsonSchemaValidator,
      cacheHints: { 'tools/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT },
    },
  );
  registerGenerateVideoTool(server, runtime, principal);
  registerGetVideoOperationTool(server, runtime, principal);
  registerListVideoOperationsTool(server, runtime, principal);
  registerListVideoModelsTool(server, runtime);
  return server;
}

/** Asks a throwaway server, over the SDK's in-memory transport, for the list the SDK itself would answer. */
async function listToolsOnce(runtime: Runtime): Promise<ListToolsResult> {
  const server = registerAll(runtime, 'tool-list');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const answers = new Map<number, (message: JSONRPCMessage) => void>();
  clientSide.onmessage = (message) => {
    if ('id' in message && typeof message.id === 'number') answers.get(message.id)?.(message);
  };
  const request = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<JSONRPCMessage>((resolve) => {
      answers.set(id, resolve);
      void clientSide.send({ jsonrpc: '2.0', id, method, params });
    });
  await server.connect(serverSide);
  await clientSide.start();
  try {
    await request(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'tool-list', version: SERVER_VERSION },
    });
    await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answer = await request(2, 'tools/list', {});
    if (!('result' in answer)) throw new Error(`tools/list failed: ${JSON.stringify(answer)}`);
    return answer.result as ListToolsResult;
  } finally {
    await server.close();
  }
}
