// The benchmark floor: the smallest stateless MCP server on functions-framework, with one trivial tool, on MCP SDK v1
// (unchanged since before the SDK v2 move, so ratios to it compare with earlier runs). `npm run bench` reports Veo MCP
// Cloud's figures as ratios to this, measured in the same run on the same Node; floor-v2 is the same server on SDK v2.
import { http } from '@google-cloud/functions-framework';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

http('floor', async (req, res) => {
  if (req.method !== 'POST') {
    res.status(405).end();
    return;
  }
  const server = new McpServer({ name: 'floor', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Echoes its input.',
      inputSchema: { text: z.string() },
      outputSchema: { text: z.string() },
    },
    async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
