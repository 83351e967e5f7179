// COMPAT_TOOLS: the tool and parameter names of Google's mcp-genmedia Veo server and of media-gen-mcp, served over
// real HTTP to a real MCP client and run against the simulator as our own tools are: the same operations, checks,
// idempotency and records. Off by default. Bad input is refused naming the peer's parameter and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import {
  downloadMp4,
  finished,
  startTestServer,
  textOf,
  type TestServer,
  type View,
} from '../helpers/server.js';
import { PNG_DATA_URL as PNG, JPEG_DATA_URL as JPEG } from '../helpers/images.js';
import { WarpClock } from '../helpers/warp-clock.js';

const GENMEDIA_TOOLS = [
  'veo_t2v',
  'veo_i2v',
  'veo_first_last_to_video',
  'veo_reference_to_video',
  'veo_ingredients_to_video',
  'veo_extend_video',
];
const MEDIA_GEN_TOOLS = [
  'google-videos-generate',
  'google-videos-retrieve-operation',
  'google-videos-retrieve-content',
];

// Each suite has its own server, so the three run side by side.
describe('peer tool names (COMPAT_TOOLS)', { concurrency: true }, () => {
  describe('peer tool names are off by default', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(() => server.close());

    test('tools/list has our eight tools only, and a peer tool name is unknown', async () => {
      const client = await server.connect();
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.equal(names.length, 8, names.join(', '));
      for (const peer of [...GENMEDIA_TOOLS, ...MEDIA_GEN_TOOLS]) assert.ok(!names.includes(peer), peer);
      const submits = server.simulator.stats.submits;
      const answer = await client.callTool({ name: 'veo_t2v', arguments: { prompt: 'x' } }).then(
        (result) => textOf(result as CallToolResult),
        (err: Error) => err.message,
      );
      assert.match(answer, /veo_t2v/);
      assert.match(answer, /not found|unknown/i);
      assert.equal(server.simulator.stats.submits, submits);
    });

    test('an unknown COMPAT_TOOLS name stops startup naming the allowed ones', async () => {
      const { loadConfig } = await import('../../functions/src/config/index.js');
      assert.throws(
        () => loadConfig({ COMPAT_TOOLS: 'genmedia,openai' }),
        /COMPAT_TOOLS.*names "openai": allowed genmedia, media-gen/s,
      );
      assert.deepEqual(loadConfig({ COMPAT_TOOLS: ' media-gen , genmedia,genmedia' }).compatTools, [
        'media-gen',
        'genmedia',
      ]);
      assert.deepEqual(loadConfig({}).compatTools, []);
    });
  });

  // Its tests one after another (a child inherits its parent's concurrency): they read the simulator's last request.
  describe('peer tool names with COMPAT_TOOLS=genmedia,media-gen', { concurrency: false }, () => {
    let server: TestServer;
    let client: Client;
    before(async () => {
      // The genmedia tools wait for the video, re-reading it on the wait's 1-second tick: on a clock ten times
      // faster, a tick (and the simulator's 0.2-second generation) takes a tenth of that.
      const clock = new WarpClock({ rate: 10 });
      server = await startTestServer({
        env: { COMPAT_TOOLS: 'genmedia,media-gen' },
        clock,
        simulator: { now: clock.epochMs },
      });
      client = await server.connect();
    });
    after(() => server.close());

    const call = async (name: string, args: Record<string, unknown> = {}) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    const view = (result: CallToolResult) => result.structuredContent as View;
    const ok = (result: CallToolResult) => {
      assert.equal(result.isError, undefined, textOf(result));
      return view(result);
    };
    /** The body of the last submit the simulator accepted. */
    const lastBody = () => {
      const accepted = server.simulator.requests.filter((r) => r.status === 200);
      return accepted[accepted.length - 1]!.body as {
        instances: Array<Record<string, unknown>>;
        parameters: Record<string, unknown>;
      };
    };
    const links = (result: CallToolResult) =>
      result.content.filter((c) => c.type === 'resource_link' && c.mimeType === 'video/mp4');
    async function operationCount(): Promise<number> {
      return (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length;
    }

    test('tools/list adds the peers’ tools with their exact parameter names', async () => {
      const tools = (await client.listTools()).tools;
      assert.equal(tools.length, 8 + GENMEDIA_TOOLS.length + MEDIA_GEN_TOOLS.length);
      const params = (name: string) =>
        Object.keys(tools.find((t) => t.name === name)!.inputSchema.properties ?? {}).sort();
      const common = [
        'aspect_ratio',
        'bucket',
        'duration',
        'generate_audio',
        'idempotency_key',
        'model',
        'num_videos',
        'output_directory',
        'output_filename',
        'person_generation',
        'seed',
      ];
      assert.deepEqual(params('veo_t2v'), [...common, 'prompt'].sort());
      assert.deepEqual(params('veo_i2v'), [...common, 'image_uri', 'mime_type', 'prompt'].sort());
      assert.deepEqual(
        params('veo_first_last_to_video'),
        [
          ...common,
          'first_image_uri',
          'first_mime_type',
          'last_image_uri',
          'last_mime_type',
          'prompt',
        ].sort(),
      );
      assert.deepEqual(
        params('veo_reference_to_video'),
        [...common, 'prompt', 'reference_image_uris', 'reference_mime_types'].sort(),
      );
      assert.deepEqual(params('veo_ingredients_to_video'), params('veo_reference_to_video'));
      assert.deepEqual(
        params('veo_extend_video'),
        [...common.filter((p) => p !== 'duration'), 'mime_type', 'prompt', 'video_uri'].sort(),
      );
      assert.deepEqual(
        params('google-videos-generate'),
        [
          'aspect_ratio',
          'download_when_done',
          'duration_seconds',
          'idempotency_key',
          'input_reference',
          'input_reference_mime_type',
          'input_video_reference',
          'model',
          'number_of_videos',
          'person_generation',
          'poll_interval_ms',
          'prompt',
          'response_format',
          'timeout_ms',
          'tool_result',
          'wait_for_completion',
        ].sort(),
      );
      assert.deepEqual(params('google-videos-retrieve-operation'), ['operation_name', 'response_format']);
      assert.deepEqual(params('google-videos-retrieve-content'), [
        'index',
        'operation_name',
        'response_format',
        'tool_result',
      ]);
      for (const tool of tools.filter((t) => [...GENMEDIA_TOOLS, ...MEDIA_GEN_TOOLS].includes(t.name))) {
        assert.ok(tool.outputSchema, `${tool.name} declares its structuredContent`);
      }
    });

    test('veo_t2v waits for the video like the peer; bucket and output_directory are noted, output_filename names the link', async () => {
      const result = await call('veo_t2v', {
        prompt: 'a lighthouse at dusk',
        bucket: 'someone-elses-bucket/veo_outputs',
        output_directory: '/tmp/videos',
        output_filename: 'renders/lighthouse.mov',
        duration: 6,
        aspect_ratio: '9:16',
        num_videos: 1,
        model: 'veo-3.1-generate-001',
        person_generation: 'dont_allow',
        seed: 7,
      });
      const done = ok(result);
      assert.equal(done.status, 'SUCCEEDED', textOf(result));
      assert.deepEqual(
        [done.duration_seconds, done.aspect_ratio, done.model],
        [6, '9:16', 'veo-3.1-generate-001'],
      );
      assert.equal(done.mode, 'generate');
      assert.equal(links(result).length, 1);
      assert.equal((links(result)[0] as { name: string }).name, 'lighthouse.mp4');
      const notes = done.compat_notes as string[];
      assert.equal(notes.length, 2);
      assert.match(
        notes[0]!,
        /^bucket "someone-elses-bucket\/veo_outputs" was ignored: videos are written to this server's bucket/,
      );
      assert.match(notes[1]!, /^output_directory was ignored: this server runs remotely/);
      assert.match(textOf(result), /note: bucket .* was ignored/);
      const { parameters } = lastBody();
      assert.equal(parameters['durationSeconds'], 6);
      assert.equal(parameters['personGeneration'], 'dont_allow');
      assert.equal(parameters['seed'], 7);
      assert.equal(
        JSON.stringify(lastBody()).includes('someone-elses-bucket'),
        false,
        'the bucket never reached Veo',
      );
      const mp4 = await downloadMp4(done);
      assert.deepEqual([mp4.width, mp4.height, Math.round(mp4.durationSeconds)], [720, 1280, 6]);
      // The same record our own tool reads.
      const again = ok(await call('get_video_operation', { operation_id: done.operation_id }));
      assert.equal(again.status, 'SUCCEEDED');
    });

    test('veo_i2v, veo_first_last_to_video, veo_reference_to_video and its alias send the frames and references', async () => {
      const i2v = ok(await call('veo_i2v', { image_uri: PNG, prompt: 'the camera pulls back' }));
      assert.equal(i2v.status, 'SUCCEEDED');
      assert.equal(i2v.compat_notes, undefined, 'no notes when nothing was ignored');
      assert.ok(lastBody().instances[0]!['image'], 'the first frame reached Veo');

      const firstLast = ok(
        await call('veo_first_last_to_video', {
          first_image_uri: PNG,
          last_image_uri: JPEG,
          last_mime_type: 'image/jpeg',
          prompt: 'day turns to night',
        }),
      );
      assert.equal(firstLast.status, 'SUCCEEDED');
      assert.match((firstLast.compat_notes as string[])[0]!, /last_mime_type was checked, not used/);
      assert.ok(lastBody().instances[0]!['image'] && lastBody().instances[0]!['lastFrame']);

      for (const tool of ['veo_reference_to_video', 'veo_ingredients_to_video']) {
        const refs = ok(
          await call(tool, {
            prompt: 'the character walks on a beach',
            reference_image_uris: [PNG, JPEG],
            model: 'veo-3.1-generate-001',
          }),
        );
        assert.equal(refs.status, 'SUCCEEDED', tool);
        assert.equal((lastBody().instances[0]!['referenceImages'] as unknown[]).length, 2, tool);
      }
    });

    test('veo_extend_video extends one of our results (by operation_id) as one lineage', async () => {
      const original = ok(await call('veo_t2v', { prompt: 'a river', model: 'veo-3.1-generate-001' }));
      assert.equal(original.status, 'SUCCEEDED');
      const extended = ok(
        await call('veo_extend_video', {
          video_uri: original.operation_id,
          mime_type: 'video/mp4',
          prompt: 'the river reaches the sea',
          aspect_ratio: '16:9',
        }),
      );
      assert.equal(extended.status, 'SUCCEEDED', JSON.stringify(extended.error));
      assert.equal(extended.mode, 'extend');
      assert.equal(extended.lineage.parent_operation_id, original.operation_id);
      assert.ok(lastBody().instances[0]!['video'], 'Veo got the video to extend');
    });

    test('the same idempotency_key on a peer tool and on generate_video is the same operation, started once', async () => {
      const args = { prompt: 'a paper boat', idempotency_key: 'compat-idem-1' };
      const first = ok(await call('veo_t2v', args));
      const submits = server.simulator.stats.submits;
      const again = ok(await call('veo_t2v', args));
      assert.equal(again.operation_id, first.operation_id);
      assert.equal(again.idempotent_replay, true);
      const ours = ok(await call('generate_video', args));
      assert.equal(ours.operation_id, first.operation_id, 'generate_video sees the same operation');
      assert.equal(server.simulator.stats.submits, submits, 'nothing more reached Veo');
      const clash = await call('google-videos-generate', { ...args, prompt: 'another boat' });
      assert.equal(clash.isError, true);
      assert.match(textOf(clash), /idempotency_key/);
    });

    test('google-videos-generate without waiting, then retrieve-operation and retrieve-content by operation_name', async () => {
      const started = await call('google-videos-generate', {
        prompt: 'a red kite',
        wait_for_completion: false,
        number_of_videos: 2,
        person_generation: 'ALLOW_ADULT',
        model: 'veo-3.1-generate-001',
        poll_interval_ms: 5000,
      });
      const view0 = ok(started);
      assert.ok(['QUEUED', 'RUNNING'].includes(view0.status as string), view0.status);
      assert.equal(view0.operation_name, view0.operation_id);
      assert.match(textOf(started), new RegExp(`operation_name: ${view0.operation_id}`));
      assert.match((view0.compat_notes as string[])[0]!, /poll_interval_ms was not used/);
      assert.equal(lastBody().parameters['personGeneration'], 'allow_adult');
      assert.equal(lastBody().parameters['sampleCount'], 2);

      await finished(server, view0.operation_id as string);
      const status = await call('google-videos-retrieve-operation', { operation_name: view0.operation_name });
      const done = ok(status);
      assert.equal(done.status, 'SUCCEEDED');
      assert.equal(done.operation_name, done.operation_id);
      assert.equal(links(status).length, 2);

      const content = await call('google-videos-retrieve-content', {
        operation_name: done.operation_id,
        index: 1,
      });
      const second = ok(content);
      assert.equal(second.index, 1);
      assert.equal(links(content).length, 1);
      // The second video (freshly signed: the signature may differ from the earlier answer's, the object not).
      const path = (url: string) => new URL(url).pathname;
      assert.equal(path((links(content)[0] as { uri: string }).uri), path((done.videos as View[])[1]!.url));
      assert.notEqual(path((done.videos as View[])[0]!.url), path((done.videos as View[])[1]!.url));
      const response = await fetch((links(content)[0] as { uri: string }).uri);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'video/mp4');
    });

    test('google-videos-generate waits by default, takes input_reference, and extends with input_video_reference', async () => {
      const fromImage = await call('google-videos-generate', {
        input_reference: PNG,
        prompt: 'waves',
        timeout_ms: 3_600_000,
        download_when_done: true,
        model: 'veo-3.1-generate-001',
      });
      const done = ok(fromImage);
      assert.equal(done.status, 'SUCCEEDED');
      assert.ok(lastBody().instances[0]!['image']);
      const notes = done.compat_notes as string[];
      assert.match(notes[0]!, /timeout_ms is capped by this server's MAX_WAIT_SECONDS \(50 s\)/);
      assert.match(notes[1]!, /download_when_done: nothing is saved to a server directory/);

      const extended = ok(
        await call('google-videos-generate', {
          input_video_reference: done.operation_id,
          prompt: 'the waves calm down',
          duration_seconds: 7,
        }),
      );
      assert.equal(extended.status, 'SUCCEEDED', JSON.stringify(extended.error));
      assert.equal(extended.mode, 'extend');
      assert.equal(extended.lineage.parent_operation_id, done.operation_id);
    });

    // Refusals: [tool, arguments, the text it must carry]. Each names the peer's parameter (not ours) and what is
    // allowed, and creates, reserves and submits nothing.
    const hostile: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'veo_t2v',
        { prompt: 'x', duration_seconds: 6 },
        /Unknown field "duration_seconds" in veo_t2v arguments\. Allowed: prompt, bucket, /,
      ],
      [
        'veo_t2v',
        { prompt: 'x', duration: 5, model: 'veo-3.1-generate-001' },
        /Invalid duration: 5\. .*allows 4, 6, 8 seconds/,
      ],
      ['veo_t2v', { prompt: 'x', num_videos: 9 }, /Invalid num_videos: 9\. .* allows 1 to 4/],
      ['veo_t2v', { prompt: 'x', num_videos: 0 }, /num_videos must be at least 1/],
      ['veo_t2v', { prompt: 'x', aspect_ratio: '4:3' }, /Invalid aspect_ratio: "4:3"/],
      [
        'veo_t2v',
        { prompt: 'x\u202Egnp.exe' },
        /Invalid prompt: character U\+202E \(RIGHT-TO-LEFT OVERRIDE\)/,
      ],
      ['veo_t2v', { prompt: '' }, /prompt must not be empty/],
      [
        'veo_t2v',
        { prompt: 'x', output_filename: '../../' },
        /Invalid output_filename: "\.\.\/\.\.\/": use a name of letters/,
      ],
      ['veo_t2v', { prompt: 'x', bucket: 'b\u0000' }, /Invalid bucket: character U\+0000 \(NUL\)/],
      [
        'veo_t2v',
        { prompt: 'x', model: 'veo-2.0-generate-001' },
        /Invalid model: "veo-2\.0-generate-001"\. .*retired/,
      ],
      [
        'veo_i2v',
        { image_uri: 'http://169.254.169.254/latest/meta-data' },
        /Invalid image_uri: .*Only https:\/\/ and gs:\/\/ URLs are fetched/,
      ],
      [
        'veo_i2v',
        { image_uri: PNG, mime_type: 'image/gif' },
        /Invalid mime_type "image\/gif": allowed image\/png, image\/jpeg, image\/webp/,
      ],
      ['veo_i2v', { prompt: 'x' }, /image_uri/],
      [
        'veo_first_last_to_video',
        { first_image_uri: PNG, last_image_uri: 'not base64 at all!' },
        /Invalid last_image_uri: .*not a URL and not valid base64/,
      ],
      [
        'veo_first_last_to_video',
        { first_image_uri: PNG, last_image_uri: PNG, last_mime_type: 'text/html' },
        /last_mime_type/,
      ],
      [
        'veo_reference_to_video',
        { prompt: 'x', reference_image_uris: [PNG, PNG, PNG, PNG] },
        /reference_image_uris may hold at most 3 images/,
      ],
      [
        'veo_reference_to_video',
        { prompt: 'x', reference_image_uris: [PNG], reference_mime_types: ['image/png', 'image/png'] },
        /Invalid reference_mime_types: it has 2 entries and reference_image_uris has 1/,
      ],
      [
        'veo_reference_to_video',
        { prompt: 'x', reference_image_uris: [PNG, ''] },
        /Invalid reference_image_uris: an entry is empty/,
      ],
      ['veo_extend_video', { video_uri: 'op-that-does-not-exist' }, /NOT_FOUND/],
      [
        'veo_extend_video',
        { video_uri: 'gs://b/v.webm', mime_type: 'video/webm' },
        /Invalid mime_type: only video\/mp4 is extended/,
      ],
      [
        'veo_extend_video',
        { video_uri: 'gs://b/v.mp4', num_videos: 2 },
        /Invalid num_videos: 2\. An extension makes one video/,
      ],
      [
        'veo_extend_video',
        { video_uri: 'gs://b/v.mp4', person_generation: 'allow_all' },
        /Invalid person_generation: an extension takes no person_generation here; omit it\./,
      ],
      [
        'veo_extend_video',
        { video_uri: 'gs://b/v.mp4', duration: 7 },
        /Unknown field "duration" in veo_extend_video arguments/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', tool_result: 'resource' },
        /Invalid tool_result: "resource" \(the video embedded as base64\) is not offered.*Allowed: resource_link/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', response_format: 'b64_json' },
        /Invalid response_format: "b64_json".*Allowed: url/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', n: 2 },
        /Unknown field "n" in google-videos-generate arguments\. Allowed: prompt, input_reference, /,
      ],
      [
        'google-videos-generate',
        {},
        /Provide at least one of: prompt, input_reference, input_video_reference/,
      ],
      [
        'google-videos-generate',
        { input_reference: PNG, input_video_reference: 'gs://b/v.mp4' },
        /Invalid input_video_reference: input_reference and input_video_reference are mutually exclusive/,
      ],
      [
        'google-videos-generate',
        { input_reference: 'file:///etc/passwd' },
        /Invalid input_reference: .*Only https:\/\/ and gs:\/\//,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', input_reference_mime_type: 'image/svg+xml' },
        /Invalid input_reference_mime_type "image\/svg\+xml"/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', person_generation: 'allow_adult' },
        /Invalid person_generation: allowed DONT_ALLOW, ALLOW_ADULT, ALLOW_ALL/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', timeout_ms: 10 },
        /timeout_ms must be between 1000 and 3600000/,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', duration_seconds: 5, model: 'veo-3.1-generate-001' },
        /Invalid duration_seconds: 5\./,
      ],
      [
        'google-videos-generate',
        { prompt: 'x', number_of_videos: 5 },
        /number_of_videos must be between 1 and 4/,
      ],
      [
        'google-videos-generate',
        { input_video_reference: 'gs://b/v.mp4', person_generation: 'DONT_ALLOW' },
        /Invalid person_generation: an extension takes no person_generation here/,
      ],
      [
        'google-videos-generate',
        { input_video_reference: 'gs://b/v.mp4', number_of_videos: 2 },
        /Invalid number_of_videos: 2\. An extension makes one video/,
      ],
      ['google-videos-retrieve-operation', { operation_name: 'op-nope' }, /NOT_FOUND/],
      ['google-videos-retrieve-operation', { operation_name: '' }, /operation_name must not be empty/],
      [
        'google-videos-retrieve-content',
        { operation_name: 'x', tool_result: 'resource' },
        /Invalid tool_result/,
      ],
      ['google-videos-retrieve-content', { operation_name: 'x', index: -1 }, /index must be 0 or more/],
    ];

    for (const [tool, args, message] of hostile) {
      test(`${tool} refuses ${JSON.stringify(args).slice(0, 80)}`, async () => {
        const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
        const result = await call(tool, args);
        assert.equal(result.isError, true, `expected a refusal: ${textOf(result)}`);
        assert.match(textOf(result), message);
        assert.equal(await operationCount(), before.ops, 'no operation was recorded');
        assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
      });
    }

    test('google-videos-retrieve-content refuses an index past the operation’s videos', async () => {
      const done = ok(await call('google-videos-generate', { prompt: 'a slow cloud' }));
      assert.equal(done.status, 'SUCCEEDED');
      const before = { ops: await operationCount(), submits: server.simulator.stats.submits };
      const past = await call('google-videos-retrieve-content', {
        operation_name: done.operation_id,
        index: 1,
      });
      assert.equal(past.isError, true);
      assert.match(
        textOf(past),
        /^INVALID_ARGUMENT: Invalid index: 1\. Operation .* has 1 video\(s\): index 0 to 0\.$/,
      );
      assert.deepEqual(
        { ops: await operationCount(), submits: server.simulator.stats.submits },
        before,
        'a read changes nothing',
      );
    });

    test('another principal’s operation answers like a missing one', async () => {
      const theirs = await server.runtime.operations.start({
        principal: 'someone-else',
        request: (await server.runtime.operations.get('local', (await firstOperation())!)).request,
        inputs: {},
        estimatedCostUsd: 0,
      });
      for (const tool of ['google-videos-retrieve-operation', 'google-videos-retrieve-content']) {
        const result = await call(tool, { operation_name: theirs.record.id });
        assert.equal(result.isError, true);
        assert.match(textOf(result), /NOT_FOUND/);
      }
      const extend = await call('veo_extend_video', { video_uri: theirs.record.id });
      assert.match(textOf(extend), /NOT_FOUND/);
    });

    async function firstOperation(): Promise<string | undefined> {
      return (await server.runtime.operations.list({ principal: 'local', limit: 1 })).records[0]?.id;
    }
  });

  describe('one peer family, under the same spend limits', () => {
    let server: TestServer;
    before(async () => {
      // A generation that takes a minute: operations stay RUNNING for the whole test.
      server = await startTestServer({
        env: { COMPAT_TOOLS: 'media-gen', DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8' },
        simulator: { delaySeconds: 60 },
      });
    });
    after(() => server.close());

    test('COMPAT_TOOLS=media-gen adds only its three tools; a running operation has no content yet; its seconds count against the same daily limit', async () => {
      const client = await server.connect();
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.equal(names.length, 8 + MEDIA_GEN_TOOLS.length, names.join(', '));
      for (const tool of MEDIA_GEN_TOOLS) assert.ok(names.includes(tool), tool);
      for (const tool of GENMEDIA_TOOLS) assert.ok(!names.includes(tool), tool);

      const call = async (name: string, args: Record<string, unknown>) =>
        (await client.callTool({ name, arguments: args })) as CallToolResult;
      const first = await call('google-videos-generate', {
        prompt: 'A lighthouse',
        duration_seconds: 8,
        wait_for_completion: false,
      });
      assert.equal(first.isError, undefined, textOf(first));
      const id = (first.structuredContent as View).operation_name as string;
      const early = await call('google-videos-retrieve-content', { operation_name: id });
      assert.equal(early.isError, true);
      assert.match(
        textOf(early),
        /^FAILED_PRECONDITION: Operation \S+ is (QUEUED|RUNNING): it has no video yet\. Call google-videos-retrieve-operation until it is done/,
      );
      const status = await call('google-videos-retrieve-operation', { operation_name: id });
      assert.ok(['QUEUED', 'RUNNING'].includes((status.structuredContent as View).status as string));
      const records = (await server.runtime.operations.list({ principal: 'local', limit: 10 })).records
        .length;
      const submits = server.simulator.stats.submits;
      const refused = await call('generate_video', { prompt: 'A second lighthouse', duration_seconds: 4 });
      assert.equal(refused.isError, true);
      assert.match(
        textOf(refused),
        /^LIMIT_EXCEEDED: DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started 8 of 8 seconds/,
      );
      const peerRefused = await call('google-videos-generate', { prompt: 'A third', duration_seconds: 4 });
      assert.match(textOf(peerRefused), /^LIMIT_EXCEEDED: DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached/);
      assert.equal(
        (await server.runtime.operations.list({ principal: 'local', limit: 10 })).records.length,
        records,
      );
      assert.equal(server.simulator.stats.submits, submits);
    });
  });
});
