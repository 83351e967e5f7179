#!/usr/bin/env node
// `npx veo-mcp`: try the product by hand.
//   veo-mcp submit --prompt "..." [--duration 8] [--aspect-ratio 16:9] [--model M] [--image I] [--request-id ID] [--wait]
//                  (through the MCP endpoint; or --topic veo-requests --project P to publish a pipeline request)
//   veo-mcp watch OPERATION_ID      follow an operation with a live progress line until it is done
//   veo-mcp get OPERATION_ID [--download DIR]
//   veo-mcp keys create --principal NAME [--expires-in-days N] | keys list | keys revoke KEY_ID
//                  (API keys of AUTH_MODE=api_key, in the store the configuration names: STORE=firestore)
// Common: --url (default http://127.0.0.1:8080/mcp), --token (sent as Authorization: Bearer).
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { KEYS_USAGE, runKeysCommand } from './keys.js';

interface View {
  operation_id: string;
  status: string;
  done: boolean;
  backend: string;
  videos: Array<{ url: string; uri: string; bytes: number }>;
  error?: { code: string; message: string };
  rai_reasons?: string[];
}

const USAGE = `usage:
  veo-mcp submit --prompt TEXT [--duration N] [--aspect-ratio R] [--model M] [--image I] [--request-id ID] [--wait]
                 [--topic TOPIC --project PROJECT]   (publish to the requests topic instead of calling MCP)
  veo-mcp watch OPERATION_ID
  veo-mcp get OPERATION_ID [--download DIR]
${KEYS_USAGE}
options: --url MCP_URL (default http://127.0.0.1:8080/mcp)  --token TOKEN`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080/mcp' },
    token: { type: 'string' },
    prompt: { type: 'string' },
    duration: { type: 'string' },
    'aspect-ratio': { type: 'string' },
    model: { type: 'string' },
    image: { type: 'string' },
    'request-id': { type: 'string' },
    wait: { type: 'boolean', default: false },
    topic: { type: 'string' },
    project: { type: 'string' },
    download: { type: 'string' },
    principal: { type: 'string' },
    'expires-in-days': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function connect(): Promise<Client> {
  const client = new Client({ name: 'veo-mcp-cli', version: '0.1.0' });
  const headers = values.token ? { Authorization: `Bearer ${values.token}` } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(values.url!), { requestInit: { headers } }));
  return client;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<View> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) fail(result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'));
  return result.structuredContent as unknown as View;
}

function printResult(view: View): void {
  console.log(
    `${view.operation_id} ${view.status}${view.backend === 'simulator' ? ' (simulator test pattern)' : ''}`,
  );
  if (view.error) console.log(`  ${view.error.code}: ${view.error.message}`);
  for (const reason of view.rai_reasons ?? []) console.log(`  filtered: ${reason}`);
  view.videos.forEach((video, i) =>
    console.log(`  video ${i + 1}: ${video.url}\n           ${video.uri} (${video.bytes} bytes)`),
  );
}

function generationArgs(): Record<string, unknown> {
  if (!values.prompt && !values.image) fail(`submit needs --prompt (or --image)\n${USAGE}`);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !Number.isInteger(duration))
    fail(`--duration ${values.duration}: must be whole seconds`);
  return {
    prompt: values.prompt,
    image: values.image,
    model: values.model,
    aspect_ratio: values['aspect-ratio'],
    duration_seconds: duration,
  };
}

async function submit(): Promise<void> {
  const args = generationArgs();
  const requestId = values['request-id'] ?? `cli-${randomUUID()}`;
  if (values.topic) {
    if (!values.project) fail('--topic needs --project');
    const { PubSub } = await import('@google-cloud/pubsub');
    const pubsub = new PubSub({ projectId: values.project });
    const messageId = await pubsub
      .topic(values.topic)
      .publishMessage({ json: { ...args, request_id: requestId } });
    await pubsub.close();
    console.log(
      `published request ${requestId} as message ${messageId}; watch the completions topic for its event`,
    );
    return;
  }
  const client = await connect();
  const view = await callTool(client, 'generate_video', { ...args, idempotency_key: requestId });
  console.log(`started ${view.operation_id} (request ${requestId})`);
  if (values.wait) await follow(client, view.operation_id);
  else printResult(view);
  await client.close();
}

/** Polls get_video_operation every 2 s with a live status line until the operation is final. */
async function follow(client: Client, operationId: string): Promise<View> {
  const started = Date.now();
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  let last = '';
  for (let tick = 0; ; tick++) {
    const view = await callTool(client, 'get_video_operation', { operation_id: operationId });
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${frames[tick % frames.length]} ${operationId} ${view.status} ${elapsed}s   `);
    } else if (view.status !== last) {
      console.log(`${operationId} ${view.status} after ${elapsed}s`);
    }
    last = view.status;
    if (view.done) {
      if (process.stdout.isTTY) process.stdout.write('\n');
      printResult(view);
      return view;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function get(operationId: string): Promise<void> {
  const client = await connect();
  const view = await callTool(client, 'get_video_operation', { operation_id: operationId });
  printResult(view);
  if (values.download) {
    await mkdir(values.download, { recursive: true });
    for (const [i, video] of view.videos.entries()) {
      const file = path.join(values.download, `${operationId}-${i + 1}.mp4`);
      const response = await fetch(video.url);
      if (!response.ok || !response.body) fail(`download of video ${i + 1} answered HTTP ${response.status}`);
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        createWriteStream(file),
      );
      console.log(`  saved ${file}`);
    }
  }
  await client.close();
}

/** The keys commands talk to the store directly, configured from the environment as the functions are. */
async function keys(subcommand: string | undefined, target: string | undefined): Promise<number> {
  const { ConfigError, loadConfig } = await import('../config/index.js');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (config.store.kind !== 'firestore') {
    fail(
      'veo-mcp keys needs STORE=firestore (with GOOGLE_CLOUD_PROJECT, and FIRESTORE_DATABASE or ' +
        'FIRESTORE_API_KEYS_COLLECTION if not the defaults): keys in memory would vanish with this process. ' +
        'For a local server, list key hashes in API_KEY_HASHES instead.',
    );
  }
  const { createFirestore } = await import('../google-clients.js');
  const { FirestoreApiKeyStore } = await import('../store/api-keys-firestore.js');
  const { db } = await createFirestore(config);
  try {
    return await runKeysCommand(
      config,
      new FirestoreApiKeyStore(db, config.store.apiKeysCollection),
      { command: subcommand, target, principal: values.principal, expiresInDays: values['expires-in-days'] },
      { out: (line) => console.log(line), err: (line) => console.error(line), now: () => new Date() },
    );
  } finally {
    await db.terminate();
  }
}

const [command, operationId] = positionals;
if (values.help || !command) {
  console.log(USAGE);
} else if (command === 'submit') {
  await submit();
} else if (command === 'keys') {
  process.exitCode = await keys(positionals[1], positionals[2]);
} else if (command === 'watch' || command === 'get') {
  if (!operationId) fail(`${command} needs an OPERATION_ID\n${USAGE}`);
  if (command === 'watch') {
    const client = await connect();
    await follow(client, operationId);
    await client.close();
  } else {
    await get(operationId);
  }
} else {
  fail(`unknown command ${command}\n${USAGE}`);
}
