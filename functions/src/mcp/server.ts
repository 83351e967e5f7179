// The MCP server factory (SDK v2): a new McpServer per request (stateless, either protocol era), with every tool
// registered for one principal. Capabilities are exactly what is implemented: tools, without list_changed (the list
// never changes while an instance runs), and the operation resources (resources.ts). tools/list and the tools' JSON Schemas are computed once per instance, and
// tools/list carries a cache hint. Every tool call counts against the caller's per-minute limit before the tool runs.
// MCP Apps (apps/) add the player and gallery ui:// resources, read through the same resources capability.
import {
  InMemoryTransport,
  McpServer,
  type JSONRPCMessage,
  type ListToolsResult,
  type RegisteredTool,
} from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { attachAppUi, registerAppResources } from './apps/index.js';
import { registerOperationResources } from './resources.js';
import { errorResult } from './tool-errors.js';
import { registerCancelVideoOperationTool } from './tools/cancel-video-operation.js';
import { registerGenmediaTools } from './tools/compat-genmedia.js';
import { registerMediaGenTools } from './tools/compat-media-gen.js';
import { registerEditVideoTool } from './tools/edit-video.js';
import { registerExtendVideoTool } from './tools/extend-video.js';
import { registerGenerateVideoTool } from './tools/generate-video.js';
import { registerGetUsageTool } from './tools/get-usage.js';
import { registerGetVideoOperationTool } from './tools/get-video-operation.js';
import { registerListVideoModelsTool } from './tools/list-video-models.js';
import { registerListVideoOperationsTool } from './tools/list-video-operations.js';
import { TasksExtension } from './tasks.js';

export const SERVER_NAME = 'veo-mcp-cloud';
export const SERVER_VERSION = '0.1.0';

/**
 * How long 2026-07-28 clients may reuse tools/list and server/discover answers. Both are the same for every caller
 * and change only with a deploy, so shared caches may keep them ("public") for a few minutes.
 */
const LIST_CACHE_HINT = { ttlMs: 5 * 60_000, cacheScope: 'public' } as const;

/**
 * The tools/list answer, computed once per instance: turning zod schemas into JSON Schema is the costly part. Keyed
 * by COMPAT_TOOLS, the one setting that changes the list (tests run servers with and without it in one process).
 */
const toolLists = new Map<string, Promise<ListToolsResult>>();

/**
 * The SDK converts a tool's zod schemas to JSON Schema on every tools/call of a fresh server (the output schema to
 * shape the result, the input schema to scan 2026-07-28 Mcp-Param headers): ~0.4 ms per call. Our tools never
 * change, so each conversion is done once per instance and handed to every later server.
 */
const outputSchemaJson = new Map<string, Record<string, unknown> | undefined>();
const inputSchemaJson = new Map<string, Record<string, unknown> | undefined>();

class VeoMcpServer extends McpServer {
  override toolInputSchemaJson(name: string): Record<string, unknown> | undefined {
    if (!inputSchemaJson.has(name)) inputSchemaJson.set(name, super.toolInputSchemaJson(name));
    return inputSchemaJson.get(name);
  }
}

function memoizeOutputSchema(name: string, tool: RegisteredTool): void {
  if (!outputSchemaJson.has(name)) outputSchemaJson.set(name, tool.outputSchemaJson);
  tool.outputSchemaJson = outputSchemaJson.get(name);
}

/**
 * The server for one request. Only tools/call runs a tool, so every other method (initialize, server/discover,
 * tools/list, ping, notifications) gets a server with the same identity, capabilities and instructions but no tool
 * registrations, answering tools/list from the cache. `method` is the request's JSON-RPC method when the body is a
 * single message (undefined otherwise: then everything is registered).
 */
export function createMcpServer(
  runtime: Runtime,
  principal: string,
  method?: string,
  era?: 'legacy' | 'modern',
): McpServer {
  // The Tasks extension (tasks.ts) exists on the 2026-07-28 wire only: SEP-2663 defines it for no earlier revision.
  const tasks =
    era === 'modern'
      ? new TasksExtension({ operations: runtime.operations, clock: runtime.clock, principal })
      : undefined;
  const server =
    method === undefined || method === 'tools/call'
      ? registerAll(runtime, principal, tasks)
      : newServer(runtime);
  tasks?.attach(server);
  server.server.setRequestHandler('tools/list', async () => {
    const key = runtime.config.compatTools.join(',');
    let toolList = toolLists.get(key);
    if (!toolList) {
      toolList = listToolsOnce(runtime).catch((err: unknown) => {
        toolLists.delete(key); // Never cache a failure.
        throw err;
      });
      toolLists.set(key, toolList);
    }
    // A copy: the 2026-07-28 encoder adds cache fields to the object it sends.
    return { ...(await toolList) };
  });
  // Every server: initialize and server/discover declare the resources capability; reads count like tool calls.
  const { operations } = runtime;
  registerOperationResources(server, { operations, admit: () => operations.admitCall(principal) }, principal);
  return server;
}

function newServer(runtime: Runtime): McpServer {
  const server = new VeoMcpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Veo MCP Cloud' },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        'Generate videos with Google Veo 3.1 and Gemini Omni (list_video_models says which this backend serves). ' +
        'generate_video returns an operation_id at once; poll it with get_video_operation until SUCCEEDED, then ' +
        'use the signed links; extend_video and edit_video continue a result. Always pass an idempotency_key: ' +
        `video is billed per second. Backend: ${runtime.backendLabel}.`,
      cacheHints: {
        'tools/list': LIST_CACHE_HINT,
        'server/discover': LIST_CACHE_HINT,
        'resources/templates/list': LIST_CACHE_HINT,
      },
    },
  );
  registerAppResources(server, runtime.config); // MCP Apps player and gallery (apps/index.ts).
  return server;
}

function registerAll(runtime: Runtime, principal: string, tasks?: TasksExtension): McpServer {
  const server = newServer(runtime);
  const { operations, config } = runtime;
  const { api, defaultModel } = config.veo;
  const startDeps = {
    operations,
    api,
    defaultModel,
    maxImageBytes: config.maxImageBytes,
    egress: runtime.egress,
    maxWaitSeconds: config.maxWaitSeconds,
    ownStorage: runtime.blobs.outputUriFor(''),
  };
  const extendDeps = {
    ...startDeps,
    blobs: runtime.blobs,
    maxVideoBytes: config.maxVideoBytes,
    outputPrefix: config.outputPrefix,
  };
  const tools = {
    generate_video: registerGenerateVideoTool(server, startDeps, principal),
    extend_video: registerExtendVideoTool(server, extendDeps, principal),
    edit_video: registerEditVideoTool(server, startDeps, principal),
    get_video_operation: registerGetVideoOperationTool(server, operations, principal),
    cancel_video_operation: registerCancelVideoOperationTool(server, operations, principal),
    list_video_operations: registerListVideoOperationsTool(server, operations, principal),
    list_video_models: registerListVideoModelsTool(server, {
      backend: runtime.backendLabel,
      api,
      defaultModel,
      admission: (wire, models) => operations.admission(wire, models),
      live: (model) => operations.modelAvailability(model),
    }),
    get_usage: registerGetUsageTool(server, operations, principal),
    // COMPAT_TOOLS: peer servers' tool names on the same operations (off unless configured).
    ...(config.compatTools.includes('genmedia') ? registerGenmediaTools(server, extendDeps, principal) : {}),
    ...(config.compatTools.includes('media-gen') ? registerMediaGenTools(server, extendDeps, principal) : {}),
  };
  attachAppUi(tools);
  for (const [name, tool] of Object.entries(tools)) {
    memoizeOutputSchema(name, tool);
    metered(name, tool, () => operations.admitCall(principal));
    tasks?.wrap(name, tool);
  }
  return server;
}

/**
 * Counts each call of `tool` against REQUESTS_PER_MINUTE_PER_PRINCIPAL before it runs; over the limit, the call is
 * answered with the refusal and the tool does not run. Reads count as well: a read still costs store reads and URL
 * signing, and an agent polling in a loop is what the limit is for. The SDK checks the arguments first, so a call
 * refused for its arguments (which touches nothing) is not counted.
 */
function metered(name: string, tool: RegisteredTool, admit: () => Promise<void>): void {
  const run = tool.executor;
  tool.executor = async (args, ctx) => {
    try {
      await admit();
    } catch (err) {
      return errorResult(err, name);
    }
    return run(args, ctx);
  };
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
