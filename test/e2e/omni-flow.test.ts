// Gemini Omni over MCP, end to end on both APIs: the real MCP client calls the tools, the real @google/genai client
// talks the Interactions API to the simulator (SIMULATOR_API picks the API it plays). On the Gemini API Omni is the
// only family and the default model; on Vertex AI it sits beside Veo. Generate, edit (a chain of turns), extend,
// cancel (stopped upstream, seconds back), and refusals that change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import {
  downloadMp4,
  finished,
  runToEnd,
  startTestServer,
  textOf,
  type TestServer,
  type View,
} from '../helpers/server.js';
import { PNG_DATA_URL as PNG } from '../helpers/images.js';
import { WarpClock } from '../helpers/warp-clock.js';

/**
 * A server whose generations take a tenth of the time: the simulator's 0.2 s and the poller's 0.1-second steps pass
 * on a clock ten times faster, the server's and the simulator's.
 */
function startFastServer(api: 'gemini' | 'vertex'): Promise<TestServer> {
  const clock = new WarpClock({ rate: 10 });
  return startTestServer({ env: { SIMULATOR_API: api }, clock, simulator: { now: clock.epochMs } });
}

// Each API has its own servers, so the suites run side by side.
describe('Gemini Omni on each API', { concurrency: true }, () => {
  for (const api of ['gemini', 'vertex'] as const) {
    // Its tests one after another (a child inherits its parent's concurrency).
    describe(`Gemini Omni over MCP on the ${api} API`, { concurrency: false }, () => {
      let server: TestServer;
      let client: Client;
      before(async () => {
        server = await startFastServer(api);
        client = await server.connect();
      });
      after(() => server.close());

      const call = async (name: string, args: Record<string, unknown> = {}) =>
        (await client.callTool({ name, arguments: args })) as CallToolResult;
      const view = (result: CallToolResult) => result.structuredContent as View;
      const records = () => server.runtime.store.list({ principal: 'local', limit: 100 });
      const interactions = () => server.simulator.interactions.stats.creates;
      const usedSeconds = async () =>
        (view(await call('get_usage')).limits as View[]).find(
          (l) => l['setting'] === 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
        )!['used'] as number;

      const run = (tool: string, args: Record<string, unknown>) => runToEnd(server, client, tool, args);
      const mp4Of = downloadMp4;

      test('list_video_models shows the live catalog of this API with what Google says about each model', async () => {
        const listed = view(await call('list_video_models'));
        const omni = (listed.models as View[]).filter((m) => m.family === 'omni').map((m) => m.id);
        const veo = (listed.models as View[]).filter((m) => m.family === 'veo').map((m) => m.id);
        if (api === 'gemini') {
          assert.deepEqual(omni, ['gemini-omni-1.2-flash', 'gemini-omni-1.1-flash']);
          assert.deepEqual(veo, [], 'the Gemini API serves no Veo');
          assert.equal(listed.default_model, 'gemini-omni-1.2-flash');
          assert.ok(
            (listed.retired_models as View[]).some((m) => m.id === 'gemini-omni-flash-preview'),
            'the Omni preview is retired on the Gemini API',
          );
        } else {
          assert.deepEqual(omni, [
            'gemini-omni-1.2-flash',
            'gemini-omni-1.1-flash-preview',
            'gemini-omni-flash-preview',
          ]);
          assert.equal(listed.default_model, 'veo-3.1-fast-generate-001');
        }
        for (const model of listed.models as View[]) {
          assert.equal(model.live.state, 'available', `${model.id}: ${JSON.stringify(model.live)}`);
        }
        const omni12 = (listed.models as View[]).find((m) => m.id === 'gemini-omni-1.2-flash')!;
        assert.deepEqual(
          [omni12.audio, omni12.max_videos, omni12.edit, omni12.last_frame, omni12.max_reference_images],
          ['always', 1, true, true, 6],
        );
      });

      test('text to video with Omni: a playable MP4 of the requested shape', async () => {
        const done = await run('generate_video', {
          prompt: 'a paper boat on a rainy street',
          model: 'gemini-omni-1.2-flash',
          aspect_ratio: '9:16',
          duration_seconds: 6,
        });
        assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error));
        assert.equal(done.model, 'gemini-omni-1.2-flash');
        const mp4 = await mp4Of(done);
        assert.ok(mp4.height > mp4.width, `portrait: ${mp4.width}×${mp4.height}`);
      });

      test('first + last frame and reference images go to Omni as images', async () => {
        const before = server.simulator.interactions.stats.creates;
        const frames = await run('generate_video', {
          prompt: 'the boat sails from first frame to last',
          model: 'gemini-omni-1.2-flash',
          image: PNG,
          last_frame: PNG,
        });
        assert.equal(frames.status, 'SUCCEEDED', JSON.stringify(frames.error));
        const refs = await run('generate_video', {
          prompt: 'this boat in a storm',
          model: 'gemini-omni-1.2-flash',
          reference_images: [PNG, PNG],
        });
        assert.equal(refs.status, 'SUCCEEDED', JSON.stringify(refs.error));
        assert.equal(server.simulator.interactions.stats.creates, before + 2);
      });

      test('edit_video: two turns form one lineage, each continuing the interaction before it', async () => {
        const original = await run('generate_video', {
          prompt: 'a fox in a field',
          model: 'gemini-omni-1.2-flash',
        });
        assert.equal(original.status, 'SUCCEEDED');
        const first = await run('edit_video', {
          operation_id: original.operation_id,
          prompt: 'make it night',
        });
        assert.equal(first.status, 'SUCCEEDED', JSON.stringify(first.error));
        assert.equal(first.mode, 'edit');
        assert.deepEqual(first.lineage, {
          parent_operation_id: original.operation_id,
          root_operation_id: original.operation_id,
          step: 1,
        });
        const second = await run('edit_video', { operation_id: first.operation_id, prompt: 'add snow' });
        assert.deepEqual(second.lineage, {
          parent_operation_id: first.operation_id,
          root_operation_id: original.operation_id,
          step: 2,
        });
        assert.equal(second.duration_seconds, original.duration_seconds, 'an edit keeps the length');
        const created = server.simulator.interactions.created();
        const [, firstTurn, secondTurn] = created.slice(-3);
        assert.deepEqual([firstTurn!.task, secondTurn!.task], ['edit', 'edit']);
        assert.equal(secondTurn!.previousId, firstTurn!.id, 'the second edit continues the first');
        assert.ok(firstTurn!.previousId, 'the first edit continues the original');
      });

      test('extend_video continues an Omni result by the seconds asked for', async () => {
        const original = await run('generate_video', {
          prompt: 'a kite',
          model: 'gemini-omni-1.2-flash',
          duration_seconds: 4,
        });
        const extended = await run('extend_video', {
          video: original.operation_id,
          prompt: 'it flies higher',
          duration_seconds: 5,
        });
        assert.equal(extended.status, 'SUCCEEDED', JSON.stringify(extended.error));
        assert.equal(extended.mode, 'extend');
        assert.equal(extended.duration_seconds, 5, 'billed for the seconds added');
        assert.equal(extended.lineage.parent_operation_id, original.operation_id);
      });

      test('cancel stops a running Omni interaction upstream, and its seconds come back', async () => {
        const before = await usedSeconds();
        const started = view(
          await call('generate_video', {
            prompt: 'a long sunset [sim:never]',
            model: 'gemini-omni-1.2-flash',
            duration_seconds: 5,
          }),
        );
        assert.equal(await usedSeconds(), before + 5);
        const result = await call('cancel_video_operation', { operation_id: started.operation_id });
        const cancelled = view(result);
        assert.deepEqual(
          [cancelled.status, cancelled.cancelled, cancelled.upstream, cancelled.billing],
          ['CANCELLED', true, 'cancelled', 'not_billed'],
        );
        assert.match(textOf(result), /stopped the generation, and its seconds are back in your budget/);
        assert.equal(await usedSeconds(), before, 'the reservation is released');
      });

      test('refusals name the argument and the family, and change nothing', async () => {
        const before = [(await records()).records.length, interactions(), await usedSeconds()];
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [
            { prompt: 'x', model: 'gemini-omni-1.2-flash', negative_prompt: 'rain' },
            /Invalid negative_prompt: "rain"\. The omni family \(gemini-omni-1\.2-flash\) does not take negative_prompt: Omni has no negative prompt/,
          ],
          [
            { prompt: 'x', model: 'gemini-omni-1.2-flash', number_of_videos: 2 },
            /Invalid number_of_videos: 2\. The omni family .* Omni makes one video per turn/,
          ],
          [
            { prompt: 'x', model: 'gemini-omni-1.2-flash', duration_seconds: 16 },
            /Invalid duration_seconds: 16\. gemini-omni-1\.2-flash on \w+ allows 3 to 15 seconds/,
          ],
          [
            { prompt: 'x', model: 'gemini-omni-1.2-flash', last_frame: PNG },
            /Invalid last_frame: a last frame needs a first frame: give image too/,
          ],
          [
            { prompt: 'x', model: 'gemini-omni-1.2-flash', reference_images: Array(7).fill(PNG) },
            /reference_images may hold at most 6 images/,
          ],
        ];
        if (api === 'gemini') {
          cases.push([
            { prompt: 'x', model: 'veo-3.1-fast-generate-001' },
            /Invalid model: "veo-3\.1-fast-generate-001"\. veo-3\.1-fast-generate-001 is not offered on the gemini backend\. Allowed: "gemini-omni-1\.2-flash", "gemini-omni-1\.1-flash"\./,
          ]);
          cases.push([
            { prompt: 'x', model: 'gemini-omni-flash-preview' },
            /gemini-omni-flash-preview was retired on the gemini API on 2026-09-30 .*use gemini-omni-1\.2-flash instead/,
          ]);
        }
        for (const [args, message] of cases) {
          const result = await call('generate_video', args);
          assert.equal(result.isError, true, JSON.stringify(args));
          assert.match(textOf(result), message);
        }
        assert.deepEqual([(await records()).records.length, interactions(), await usedSeconds()], before);
      });
    });
  }

  describe('a call with no model succeeds on each API', { concurrency: true }, () => {
    for (const [api, model] of [
      ['gemini', 'gemini-omni-1.2-flash'],
      ['vertex', 'veo-3.1-fast-generate-001'],
    ] as const) {
      test(`${api}: ${model}`, async () => {
        const server = await startFastServer(api);
        try {
          const client = await server.connect();
          const started = (await client.callTool({
            name: 'generate_video',
            arguments: { prompt: 'a red kite' },
          })) as CallToolResult;
          const id = (started.structuredContent as View).operation_id as string;
          assert.equal(await finished(server, id), 'SUCCEEDED');
          const done = (
            await client.callTool({ name: 'get_video_operation', arguments: { operation_id: id } })
          ).structuredContent as View;
          assert.equal(done.model, model);
          assert.equal(done.videos.length, 1);
        } finally {
          await server.close();
        }
      });
    }
  });
});
