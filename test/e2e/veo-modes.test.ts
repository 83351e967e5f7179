// Every Veo 3.1 mode over MCP, end to end: the real MCP client calls the tools, the real @google/genai client sends
// predictLongRunning to the simulator, which checks every field as Vertex does and makes videos of the requested
// shape. Asserted: what arrived on the wire (first + last frame, asset references, fps, compression, resize, labels
// naming the operation and principal), what came back (frame size, length, 24 fps), extension chains as one lineage,
// and refusals — ours before anything exists, Google's after it accepted the job — that bill nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import {
  downloadMp4,
  runToEnd,
  startTestServer,
  textOf,
  type TestServer,
  type View,
} from '../helpers/server.js';
import { PNG_DATA_URL as PNG, JPEG_DATA_URL as JPEG } from '../helpers/images.js';
import { WarpClock } from '../helpers/warp-clock.js';

describe('Veo 3.1 modes over MCP (Vertex AI wire protocol)', () => {
  let server: TestServer;
  let client: Client;
  before(async () => {
    // Each run waits out the simulator's 0.2 s and the poller's 0.1-second steps: on a clock ten times faster (the
    // server's and the simulator's), a tenth of that.
    const clock = new WarpClock({ rate: 10 });
    server = await startTestServer({ clock, simulator: { now: clock.epochMs } });
    client = await server.connect();
  });
  after(() => server.close());

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const view = (result: CallToolResult) => result.structuredContent as View;
  const usedSeconds = async () =>
    (view(await call('get_usage')).limits as View[]).find(
      (l) => l['setting'] === 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
    )!['used'] as number;
  /** The body of the last submit the simulator accepted. */
  const lastBody = () => {
    const accepted = server.simulator.requests.filter((r) => r.status === 200);
    return accepted[accepted.length - 1]!.body as {
      instances: Array<Record<string, unknown>>;
      parameters: Record<string, unknown>;
      labels?: Record<string, string>;
    };
  };
  const run = (tool: string, args: Record<string, unknown>) => runToEnd(server, client, tool, args);
  const mp4Of = downloadMp4;

  test('text to video at 1080p 9:16: the video is 1080×1920, 6 s, 24 fps, and Vertex got labels for billing', async () => {
    const done = await run('generate_video', {
      prompt: 'a lighthouse at dusk',
      model: 'veo-3.1-generate-001',
      aspect_ratio: '9:16',
      resolution: '1080p',
      duration_seconds: 6,
    });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error));
    const mp4 = await mp4Of(done);
    assert.deepEqual([mp4.width, mp4.height, Math.round(mp4.durationSeconds)], [1080, 1920, 6]);
    assert.equal(mp4.fps, 24);
    assert.deepEqual(lastBody().labels, {
      'veo-mcp-operation': done.operation_id.toLowerCase(),
      'veo-mcp-principal': 'local',
    });
  });

  test('first + last frame: both images reach Vertex (image, lastFrame) and the video is made', async () => {
    const done = await run('generate_video', {
      prompt: 'the scene turns from day to night',
      image: PNG,
      last_frame: JPEG,
    });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error));
    const instance = lastBody().instances[0]!;
    assert.equal((instance['image'] as View).mimeType, 'image/png');
    assert.equal((instance['lastFrame'] as View).mimeType, 'image/jpeg');
    assert.ok((instance['lastFrame'] as View).bytesBase64Encoded);
  });

  test('asset reference images: up to 3 on Veo 3.1, sent as ASSET references', async () => {
    const done = await run('generate_video', {
      prompt: 'this character walks through a market',
      model: 'veo-3.1-generate-001',
      reference_images: [PNG, JPEG],
    });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error));
    const refs = lastBody().instances[0]!['referenceImages'] as View[];
    assert.deepEqual(
      refs.map((r) => [r['referenceType'], r['image'].mimeType]),
      [
        ['ASSET', 'image/png'],
        ['ASSET', 'image/jpeg'],
      ],
    );
  });

  test('fps, compression quality and resize mode reach Vertex as it spells them; audio off costs less', async () => {
    const done = await run('generate_video', {
      prompt: 'a kite',
      image: PNG,
      fps: 24,
      compression_quality: 'lossless',
      resize_mode: 'crop',
      generate_audio: false,
      seed: 42,
      duration_seconds: 4,
    });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error));
    const { parameters } = lastBody();
    assert.deepEqual(
      [
        parameters['fps'],
        parameters['compressionQuality'],
        parameters['resizeMode'],
        parameters['generateAudio'],
      ],
      [24, 'LOSSLESS', 'CROP', false],
    );
    assert.equal(parameters['seed'], 42);
  });

  test('extend_video: +7 s per step from one of your results, twice, as one lineage; each step the whole video', async () => {
    const original = await run('generate_video', { prompt: 'a river', duration_seconds: 8 });
    assert.equal(original.status, 'SUCCEEDED');
    const first = await run('extend_video', { video: original.operation_id, prompt: 'a boat appears' });
    assert.equal(first.status, 'SUCCEEDED', JSON.stringify(first.error));
    assert.deepEqual([first.mode, first.duration_seconds], ['extend', 7]);
    assert.deepEqual(first.lineage, {
      parent_operation_id: original.operation_id,
      root_operation_id: original.operation_id,
      step: 1,
    });
    assert.ok(lastBody().instances[0]!['video'], 'the input video went to Vertex');
    assert.equal(lastBody().parameters['durationSeconds'], 7);
    const firstMp4 = await mp4Of(first);
    assert.deepEqual(
      [firstMp4.width, firstMp4.height, Math.round(firstMp4.durationSeconds)],
      [1280, 720, 15],
    );

    const second = await run('extend_video', { video: first.operation_id, prompt: 'it sails away' });
    assert.deepEqual(second.lineage, {
      parent_operation_id: first.operation_id,
      root_operation_id: original.operation_id,
      step: 2,
    });
    assert.equal(Math.round((await mp4Of(second)).durationSeconds), 22);
  });

  test('extension refusals name the argument and change nothing', async () => {
    const original = await run('generate_video', { prompt: 'a field', duration_seconds: 4 });
    const before = [server.simulator.stats.submits, await usedSeconds()];
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { video: original.operation_id, duration_seconds: 5 },
        /Invalid duration_seconds: 5\. veo-3\.1-fast-generate-001 extends a video by 7 seconds per step\./,
      ],
      [{ video: original.operation_id, image: PNG }, /Unknown field "image" in extend_video arguments/],
      [
        { video: 'http://example.com/a.mp4' },
        /Invalid video: "http:\/\/example\.com\/a\.mp4"\. Only gs:\/\/ and https:\/\/ videos are read/,
      ],
      [{ video: 'not-an-operation' }, /NOT_FOUND/],
      [
        { video: original.operation_id, model: 'gemini-omni-1.2-flash' },
        /gemini-omni-1\.2-flash extends its own results by continuing their interaction/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await call('extend_video', args);
      assert.equal(result.isError, true, JSON.stringify(args));
      assert.match(textOf(result), message);
    }
    assert.deepEqual([server.simulator.stats.submits, await usedSeconds()], before);
  });

  test('edit_video refuses a Veo result, naming what to use instead', async () => {
    const original = await run('generate_video', { prompt: 'a tree', duration_seconds: 4 });
    const result = await call('edit_video', {
      operation_id: original.operation_id,
      prompt: 'make it autumn',
    });
    assert.equal(result.isError, true);
    assert.match(
      textOf(result),
      /cannot edit its results.*use extend_video or generate_video with image \/ last_frame/,
    );
  });

  test('a rule Vertex checks after accepting the job (references at 4 s) fails naming the argument, unbilled', async () => {
    const before = await usedSeconds();
    const done = await run('generate_video', {
      prompt: 'a robot',
      model: 'veo-3.1-generate-001',
      reference_images: [PNG],
      duration_seconds: 4,
    });
    assert.equal(done.status, 'FAILED');
    assert.equal(done.error.code, 'INVALID_ARGUMENT');
    assert.match(
      done.error.message,
      /^Invalid duration_seconds: Veo refused the arguments after accepting the job; no video was made and nothing is billed\. Google said: Unsupported output video duration 4 seconds/,
    );
    assert.equal(await usedSeconds(), before, 'its seconds are back');
  });
});
