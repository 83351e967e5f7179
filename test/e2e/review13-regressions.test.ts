// Review fixes (issue 13), end to end: extend_video refuses before it copies an https input, keeps resolutions, and a submit whose outcome is unknown keeps its seconds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { startTestServer, textOf, type TestServer, type View } from '../helpers/server.js';

const CERT = readFileSync(new URL('../fixtures/tls/test-only.crt', import.meta.url));
const KEY = readFileSync(new URL('../fixtures/tls/test-only.key', import.meta.url));
const CLIP = readFileSync(new URL('../fixtures/video-720p-24fps-2s.mp4', import.meta.url));

async function files(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.mp4')).sort();
}

describe('extend_video with an https video', () => {
  let videos: Server;
  let port: number;
  const servers: TestServer[] = [];
  before(async () => {
    videos = createServer({ key: KEY, cert: CERT }, (_req, res) =>
      res.writeHead(200, { 'content-length': CLIP.length }).end(CLIP),
    );
    await new Promise<void>((resolve) => videos.listen(0, '127.0.0.1', resolve));
    port = (videos.address() as AddressInfo).port;
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    videos.closeAllConnections();
    videos.close();
  });

  async function serve(env: Record<string, string> = {}): Promise<{ server: TestServer; client: Client }> {
    const server = await startTestServer({ env });
    servers.push(server);
    Object.assign(server.runtime.egress, {
      ca: CERT,
      testHosts: [`images.test:${port}`],
      resolve: async () => [{ address: '127.0.0.1', family: 4 as const }],
    });
    return { server, client: await server.connect() };
  }
  const blobDir = (server: TestServer) => server.runtime.config.blobs.dir!;

  test('the same idempotency_key and arguments replay the operation (and copy nothing again)', async () => {
    const { server, client } = await serve();
    const args = {
      video: `https://images.test:${port}/clip.mp4`,
      prompt: 'and then it rains',
      idempotency_key: 'extend-once',
    };
    const first = (await client.callTool({ name: 'extend_video', arguments: args })) as CallToolResult;
    assert.equal(first.isError, undefined, textOf(first));
    const copiesAfterFirst = (await files(blobDir(server))).filter((f) => f.includes(`inputs${path.sep}`));
    const second = (await client.callTool({ name: 'extend_video', arguments: args })) as CallToolResult;
    assert.equal(second.isError, undefined, `replay refused: ${textOf(second)}`);
    assert.equal((second.structuredContent as View).idempotent_replay, true);
    assert.equal(
      (second.structuredContent as View).operation_id,
      (first.structuredContent as View).operation_id,
    );
    const copiesAfterSecond = (await files(blobDir(server))).filter((f) => f.includes(`inputs${path.sep}`));
    assert.deepEqual(copiesAfterSecond, copiesAfterFirst, 'a replay writes no second copy');
  });

  test('an argument refusal (duration_seconds 5) fetches and copies nothing', async () => {
    const { server, client } = await serve();
    const before = await files(blobDir(server));
    const result = (await client.callTool({
      name: 'extend_video',
      arguments: { video: `https://images.test:${port}/clip.mp4`, prompt: 'more', duration_seconds: 5 },
    })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /Invalid duration_seconds: 5/);
    assert.deepEqual(await files(blobDir(server)), before, 'the refusal wrote no blob');
  });

  test('a call refused by the daily limit writes no blob', async () => {
    const { server, client } = await serve({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '5' });
    const before = await files(blobDir(server));
    const result = (await client.callTool({
      name: 'extend_video',
      arguments: { video: `https://images.test:${port}/clip.mp4`, prompt: 'more' },
    })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached/);
    assert.deepEqual(await files(blobDir(server)), before, 'the refusal changed nothing in the blob store');
  });
});

describe('Omni extension keeps the input video resolution (extend_video: "Default: the input video’s")', () => {
  let server: TestServer;
  let client: Client;
  before(async () => {
    server = await startTestServer({ env: { SIMULATOR_API: 'gemini' } });
    client = await server.connect();
  });
  after(() => server.close());

  test('a 1080p Omni result is extended at 1080p when resolution is omitted', async () => {
    const { runToEnd } = await import('../helpers/server.js');
    const original = await runToEnd(server, client, 'generate_video', {
      prompt: 'a lighthouse',
      resolution: '1080p',
      duration_seconds: 4,
    });
    assert.equal(original.status, 'SUCCEEDED', JSON.stringify(original.error));
    const started = (await client.callTool({
      name: 'extend_video',
      arguments: { video: original.operation_id, prompt: 'night falls', duration_seconds: 3 },
    })) as CallToolResult;
    assert.equal(started.isError, undefined, textOf(started));
    assert.equal((started.structuredContent as View).resolution, '1080p');
  });
});

describe('an Omni create whose outcome is unknown keeps its seconds counted (Gemini API)', () => {
  let server: TestServer;
  let client: Client;
  before(async () => {
    server = await startTestServer({ env: { SIMULATOR_API: 'gemini' } });
    client = await server.connect();
  });
  after(() => server.close());

  test('a 200 with a cut-off body (Google may have started and will bill it) does not give the seconds back', async () => {
    const used = async () =>
      (
        (
          ((await client.callTool({ name: 'get_usage', arguments: {} })) as CallToolResult)
            .structuredContent as View
        ).limits as View[]
      ).find((l) => l['setting'] === 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL')!['used'] as number;
    const before = await used();
    const result = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'a boat [sim:submit-malformed]', duration_seconds: 5 },
    })) as CallToolResult;
    const records = await server.runtime.store.list({ principal: 'local', limit: 10 });
    console.log('TEXT', textOf(result));
    assert.match(textOf(result), /may still have started/);
    assert.equal(records.records[0]?.status, 'FAILED');
    assert.equal(await used(), before + 5, 'a generation Google may bill keeps its seconds counted');
  });
});
