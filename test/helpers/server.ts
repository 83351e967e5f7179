// Test harness: serves the `mcp` function through the real functions-framework on a free port, with its own
// runtime built from an explicit environment, and connects a real MCP client over Streamable HTTP.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { Client, type CallToolResult } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../../functions/src/config/index.js';
import type { Clock } from '../../functions/src/operations/clock.js';
import { createMcpHttpHandler } from '../../functions/src/mcp/http.js';
import { InProcessCompletionSink } from '../../functions/src/queue/inprocess.js';
import { createRuntime, type Runtime } from '../../functions/src/runtime.js';
import { VeoSimulator, type SimulatorOptions } from '../../functions/src/simulator/server.js';
import { readMp4, type Mp4Info } from './mp4.js';

let counter = 0;

/** Spend limits no functional test reaches (the defaults would refuse a busy suite's 61st call in a minute). */
export const GENEROUS_LIMITS: Record<string, string> = {
  DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '1000000',
  DAILY_VIDEO_SECONDS_TOTAL: '1000000',
  REQUESTS_PER_MINUTE_PER_PRINCIPAL: '100000',
  MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '10000',
};

export interface TestServer {
  url: string;
  mcpUrl: string;
  runtime: Runtime;
  simulator: VeoSimulator;
  /** A v2 SDK client; `era` picks protocol 2026-07-28 (the default) or the 2025 initialize handshake. */
  connect(headers?: Record<string, string>, era?: ProtocolEra): Promise<Client>;
  close(): Promise<void>;
}

export type ProtocolEra = 'modern' | 'legacy';
export const PROTOCOL_ERAS: ProtocolEra[] = ['modern', 'legacy'];

export interface TestServerOptions {
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  /** The runtime's clock (a ManualClock for tests of time windows); the system clock by default. */
  clock?: Clock;
}

/** Our eight tools, sorted: what tools/list offers without COMPAT_TOOLS. */
export const OUR_TOOLS = [
  'cancel_video_operation',
  'edit_video',
  'extend_video',
  'generate_video',
  'get_usage',
  'get_video_operation',
  'list_video_models',
  'list_video_operations',
];

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const simulator = new VeoSimulator({ delaySeconds: 0.2, slowMs: 1500, ...options.simulator });
  const simulatorUrl = await simulator.listen(0);
  const blobDir = await mkdtemp(path.join(tmpdir(), 'veo-blobs-'));

  let resolveRuntime!: (r: Runtime) => void;
  const runtimeReady = new Promise<Runtime>((resolve) => (resolveRuntime = resolve));
  const name = `mcp-test-${++counter}`;
  http(
    name,
    createMcpHttpHandler(() => runtimeReady),
  );
  const server: Server = getTestServer(name);
  // Idle keep-alive sockets are closed by the client (undici: after 4 s), never by the server at the moment the client
  // reuses one: with Node's default of 5 s, a call under load could meet a closing socket (fetch failed: ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const config = loadConfig({
    VEO_BACKEND: 'simulator',
    VEO_BASE_URL: simulatorUrl,
    LOCAL_BLOB_DIR: blobDir,
    PUBLIC_BASE_URL: url,
    // Fractions of a second: the simulator answers in 0.2 s, and the tests should not wait longer than that.
    POLL_INITIAL_DELAY_SECONDS: '0.1',
    POLL_INTERVAL_SECONDS: '0.1',
    POLL_MAX_INTERVAL_SECONDS: '0.5',
    LOG_LEVEL: 'error',
    // Spend limits far above what a suite starts; the spend-limit tests set their own.
    ...GENEROUS_LIMITS,
    ...options.env,
  });
  const runtime = await createRuntime(config, { clock: options.clock });
  resolveRuntime(runtime);

  const clients: Client[] = [];
  return {
    url,
    mcpUrl: `${url}/mcp`,
    runtime,
    simulator,
    async connect(headers?: Record<string, string>, era: ProtocolEra = 'modern') {
      const client = new Client(
        { name: 'veo-mcp-test', version: '1.0.0' },
        { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
      );
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await runtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await simulator.close();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/**
 * POSTs a raw body to the MCP endpoint, as a misbehaving client would: the answer's status, its body as text, and as
 * JSON (the text when it is none). With fetch, a refused connection rejects.
 */
export async function rawPost(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, text };
}

/** Resolves with the final status once the operation's completion event is out (an event, not a sleep). */
export async function finished(
  server: TestServer,
  operationId: string,
  principal = 'local',
): Promise<string> {
  const { operations, completions } = server.runtime;
  if (!(completions instanceof InProcessCompletionSink))
    throw new Error('finished() needs the in-process queue');
  let unsubscribe = () => {};
  const done = new Promise<string>((resolve) => {
    unsubscribe = completions.subscribe((event) => {
      if (event.operation_id === operationId) resolve(event.status);
    });
  });
  try {
    const record = await operations.get(principal, operationId);
    if (record.completionPublishedAt) return record.status;
    return await done;
  } finally {
    unsubscribe();
  }
}

/** The text of a tool result, its text blocks joined (what a client without structuredContent shows). */
export const textOf = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** A tool result's structuredContent, for assertions on arbitrary fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary view fields
export type View = Record<string, any>;

/** Calls a starting tool, waits for its operation to end, and returns get_video_operation's view of it. */
export async function runToEnd(
  server: TestServer,
  client: Client,
  tool: string,
  args: Record<string, unknown>,
): Promise<View> {
  const started = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
  assert.equal(started.isError, undefined, textOf(started));
  const id = (started.structuredContent as View).operation_id as string;
  await finished(server, id);
  const done = await client.callTool({ name: 'get_video_operation', arguments: { operation_id: id } });
  return done.structuredContent as View;
}

/** Downloads an operation's first video through its signed link and reads its MP4 header. */
export async function downloadMp4(view: View): Promise<Mp4Info> {
  const response = await fetch(view.videos[0].url);
  assert.equal(response.status, 200);
  return readMp4(Buffer.from(await response.arrayBuffer()));
}
