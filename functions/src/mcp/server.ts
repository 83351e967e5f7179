// The MCP server factory: a new McpServer per request (stateless), with every tool registered for one principal.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { ListToolsRequestSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import type { Runtime } from '../runtime.js';
import { registerGenerateVideoTool } from './tools/generate-video.js';
import { registerGetVideoOperationTool } from './tools/get-video-operation.js';
import { registerListVideoModelsTool } from './tools/list-video-models.js';
import { registerListVideoOperationsTool } from './tools/list-video-operations.js';

export const SERVER_NAME = 'veo-mcp-cloud';
export const SERVER_VERSION = '0.1.0';

/** One JSON Schema validator per instance: the SDK would otherwise compile a new Ajv for every request's server. */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/** The tools/list answer, computed once per instance: turning zod schemas into JSON Schema is the costly part. */
let toolList: Promise<ListToolsResult> | undefined;

async function listToolsOnce(runtime: Runtime): Promise<ListToolsResult> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
  const server = registerAll(runtime, 'tool-list');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'tool-list', version: SERVER_VERSION });
  await server.connect(serverSide);
  await client.connect(clientSide);
  const result = await client.listTools();
  await client.close();
  await server.close();
  return result;
}

export function createMcpServer(runtime: Runtime, principal: string): McpServer {
  const server = registerAll(runtime, principal);
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    toolList ??= listToolsOnce(runtime).catch((err: unknown) => {
      toolList = undefined; // Never cache a failure.
      throw err;
    });
    return toolList;
  });
  return server;
}

function registerAll(runtime: Runtime, principal: string): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Veo MCP Cloud' },
    {
      instructions:
        'Generate videos with Google Veo. generate_video returns an operation_id at once; poll it with ' +
        'get_video_operation until SUCCEEDED, then use the signed links. Always pass an idempotency_key: ' +
        `Veo bills per second of video. Backend: ${runtime.backendLabel}.`,
      jsonSchemaValidator,
    },
  );
  registerGenerateVideoTool(server, runtime, principal);
  registerGetVideoOperationTool(server, runtime, principal);
  registerListVideoOperationsTool(server, runtime, principal);
  registerListVideoModelsTool(server, runtime);
  return server;
}
