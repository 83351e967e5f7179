// The MCP server factory: a new McpServer per request (stateless), with every tool registered for one principal.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Runtime } from '../runtime.js';
import { registerGenerateVideoTool } from './tools/generate-video.js';
import { registerGetVideoOperationTool } from './tools/get-video-operation.js';
import { registerListVideoModelsTool } from './tools/list-video-models.js';
import { registerListVideoOperationsTool } from './tools/list-video-operations.js';

export const SERVER_NAME = 'veo-mcp-cloud';
export const SERVER_VERSION = '0.1.0';

export function createMcpServer(runtime: Runtime, principal: string): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Veo MCP Cloud' },
    {
      instructions:
        'Generate videos with Google Veo. generate_video returns an operation_id at once; poll it with ' +
        'get_video_operation until SUCCEEDED, then use the signed links. Always pass an idempotency_key: ' +
        `Veo bills per second of video. Backend: ${runtime.backendLabel}.`,
    },
  );
  registerGenerateVideoTool(server, runtime, principal);
  registerGetVideoOperationTool(server, runtime, principal);
  registerListVideoOperationsTool(server, runtime, principal);
  registerListVideoModelsTool(server, runtime);
  return server;
}
