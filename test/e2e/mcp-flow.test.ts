// End to end: a real MCP client over Streamable HTTP drives the functions-framework-served endpoint through
// generate → wait/poll → signed link → download, on both Veo wire protocols via the simulator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { readMp4 } from '../helpers/mp4.js';
import { finished, OUR_TOOLS, PROTOCOL_ERAS, startTestServer, type TestServer } from '../helpers/server.js';
import { WarpClock } from '../helpers/warp-clock.js';

type Structured = Record<string, unknown> & {
  operation_id: string;
  status: string;
  backend: string;
  videos: Array<{ url: string; mime_type: string; bytes: number }>;
};

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const structured = (result: CallToolResult): Structured => result.structuredContent as Structured;

// Each era has its own server, so the two run side by side.
describe('MCP flow on each protocol era', { concurrency: true }, () => {
  for (const era of PROTOCOL_ERAS) {
    // Its tests one after another (a child inherits its parent's concurrency).
    describe(
      `MCP flow, ${era === 'modern' ? 'protocol 2026-07-28' : '2025 initialize handshake'}`,
      { concurrency: false },
      () => {
        let server: TestServer;
        let client: Client;

        before(async () => {
          // wait_seconds re-reads the operation (and reports progress) on a 1-second tick: on a clock five times faster,
          // the server's and the simulator's, the 5-second generation below and its ticks take a fifth of the time.
          const clock = new WarpClock({ rate: 5 });
          server = await startTestServer({ clock, simulator: { now: clock.epochMs } });
          client = await server.connect(undefined, era);
        });
        after(() => server.close());

        test('tools/list offers the eight tools with schemas and honest annotations', async () => {
          const { tools } = await client.listTools();
          const byName = new Map(tools.map((t) => [t.name, t]));
          assert.deepEqual([...byName.keys()].sort(), OUR_TOOLS);
          for (const tool of tools) {
            assert.ok(tool.outputSchema, `${tool.name} has an outputSchema`);
            assert.ok(tool.description && tool.description.length > 40, `${tool.name} is described`);
          }
          assert.equal(byName.get('generate_video')!.annotations?.readOnlyHint, false);
          assert.equal(byName.get('generate_video')!.annotations?.openWorldHint, true);
          assert.equal(byName.get('get_video_operation')!.annotations?.readOnlyHint, true);
          const props = byName.get('generate_video')!.inputSchema.properties as Record<
            string,
            { description?: string }
          >;
          for (const [field, schema] of Object.entries(props))
            assert.ok(schema.description, `${field} is described`);
        });

        test('generate_video returns the operation at once, and get_video_operation links a playable MP4', async () => {
          const started = await call(client, 'generate_video', {
            prompt: 'A lighthouse at dawn',
            aspect_ratio: '9:16',
            duration_seconds: 6,
          });
          assert.equal(started.isError, undefined, JSON.stringify(started.content));
          const op = structured(started);
          assert.ok(['QUEUED', 'RUNNING'].includes(op.status), `started as ${op.status}`);
          assert.equal(op.backend, 'simulator');
          assert.equal(op.estimated_cost_usd, 0, 'simulator runs cost nothing');

          // The in-process poller follows it; await its finish event rather than sleeping.
          await finished(server, op.operation_id);
          const result = await call(client, 'get_video_operation', { operation_id: op.operation_id });
          const view = structured(result);
          assert.equal(view.status, 'SUCCEEDED', JSON.stringify(result.content));
          const links = result.content.filter(
            (c) => c.type === 'resource_link' && c.mimeType === 'video/mp4',
          );
          assert.equal(links.length, 1);
          const link = links[0] as { uri: string; mimeType?: string; name: string };
          assert.equal(link.mimeType, 'video/mp4');
          assert.equal(view.videos[0]!.url, link.uri);
          const text = result.content.find((c) => c.type === 'text') as { text: string };
          assert.match(text.text, new RegExp(link.uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          assert.match(text.text, /simulator/);

          const download = await fetch(link.uri);
          assert.equal(download.status, 200);
          assert.equal(download.headers.get('content-type'), 'video/mp4');
          const mp4 = readMp4(Buffer.from(await download.arrayBuffer()));
          assert.equal(mp4.durationSeconds, 6);
          assert.ok(mp4.height > mp4.width, `9:16 is portrait, got ${mp4.width}x${mp4.height}`);
          assert.equal(Math.round((mp4.width / mp4.height) * 16), 9);
        });

        test('wait_seconds waits for the result and sends progress notifications', async () => {
          const progress: Array<{ progress: number; total?: number; message?: string }> = [];
          const result = (await client.callTool(
            {
              name: 'generate_video',
              arguments: {
                prompt: 'Waves on a beach [sim:delay=5]',
                duration_seconds: 4,
                wait_seconds: 30,
              },
            },
            { onprogress: (p) => progress.push(p) },
          )) as CallToolResult;
          const view = structured(result);
          assert.equal(view.status, 'SUCCEEDED', JSON.stringify(result.content));
          assert.ok(progress.length >= 2, `got ${progress.length} progress notifications`);
          assert.equal(progress[0]!.total, 30);
          assert.match(progress[0]!.message ?? '', /RUNNING|SUCCEEDED/);
          const values = progress.map((p) => p.progress);
          assert.ok(
            values.every((value, i) => i === 0 || value > values[i - 1]!),
            `progress increases with each notification (MCP): ${values.join(', ')}`,
          );
          const download = await fetch(view.videos[0]!.url);
          const mp4 = readMp4(Buffer.from(await download.arrayBuffer()));
          assert.equal(mp4.durationSeconds, 4);
          assert.ok(mp4.width > mp4.height, '16:9 by default');
        });
      },
    );
  }
});
