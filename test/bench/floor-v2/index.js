// The SDK v2 benchmark floor: the smallest stateless MCP server on functions-framework with one trivial tool, served
// by the same dual-era handler as the product (2026-07-28 and the 2025 revisions). `npm run bench` shows Veo MCP
// Cloud beside it, to separate what SDK v2 costs from what our code costs (the ratio targets use the v1 floor).
import { http } from '@google-cloud/functions-framework';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'floor', version: '1.0.0' });
    server.registerTool(
      'echo',
      {
        description: 'Echoes its input.',
        inputSchema: z.object({ text: z.string() }),
        outputSchema: z.object({ text: z.string() }),
      },
      async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
    );
    return server;
  }),
);

http('floor', (req, res) => handler(req, res, req.body));
