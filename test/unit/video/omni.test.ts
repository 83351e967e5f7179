// The Omni adapter (VideoGenerator over the Interactions API) against the simulator, on the Gemini API and on Vertex:
// every mode reaches the wire as Google's notebook sends it, videos come back inline, stored or remote (streamed with
// the key in a header), cancel works, and every failure is classed by what it may have started.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import {
  SubmitFailure,
  type GenerationStatus,
  type ImageInput,
  type SubmitContext,
} from '../../../functions/src/operations/ports.js';
import type { VideoRequest } from '../../../functions/src/operations/record.js';
import { videoBytesFor } from '../../../functions/src/simulator/interactions.js';
import { OmniAdapter, type OmniAdapterOptions } from '../../../functions/src/video/omni.js';
import { readMp4 } from '../../helpers/mp4.js';
import { OMNI_MODEL, OmniBench, PNG, omniClient } from '../../helpers/omni-sdk.js';

const MODEL = OMNI_MODEL;
const png = (): ImageInput => ({ reference: { source: 'inline', mimeType: 'image/png' }, base64: PNG });
const gcsImage = (): ImageInput => ({
  reference: { source: 'gcs', uri: 'gs://in/frame.png', mimeType: 'image/png' },
});

const request = (over: Partial<VideoRequest> = {}): VideoRequest => ({
  model: MODEL,
  prompt: 'a red kite over the sea',
  aspectRatio: '16:9',
  durationSeconds: 6,
  numberOfVideos: 1,
  ...over,
});
const context = (over: Partial<SubmitContext> = {}): SubmitContext => ({
  operationId: 'op-1',
  principal: 'alice@example.com',
  ...over,
});

/** A free port nothing listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failureOf(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

describe('OmniAdapter', () => {
  const bench = new OmniBench();
  const { simulator, written } = bench;
  let baseUrl: string;

  before(async () => ({ baseUrl } = await bench.start()));
  after(() => simulator.close());
  beforeEach(() => simulator.outage({ seconds: 0 }));

  const adapter = (api: 'gemini' | 'vertex', over: Partial<OmniAdapterOptions> = {}) =>
    new OmniAdapter({
      api,
      apiKey: 'test-key',
      project: 'demo',
      baseUrl,
      timeoutMs: 5000,
      useGoogleCredentials: false,
      now: () => bench.now,
      ...over,
    });
  /** The raw SDK on the same backend, to read what the adapter sent. */
  const sdk = (api: 'gemini' | 'vertex') => omniClient(api, baseUrl);

  /** Submits, checks the generation is running, lets it finish, and returns its id and final status. */
  async function generate(
    omni: OmniAdapter,
    req: VideoRequest,
    inputs = {},
    ctx = context(),
  ): Promise<{ id: string; status: GenerationStatus }> {
    const { operationName, simulated } = await omni.submit(req, inputs, ctx);
    assert.equal(simulated, true);
    assert.deepEqual(await omni.poll(operationName, req.model), { done: false });
    bench.advance(31);
    return { id: operationName, status: await omni.poll(operationName, req.model) };
  }

  const videosOf = (status: GenerationStatus) => {
    assert.ok(status.done && 'videos' in status, `a success, got ${JSON.stringify(status)}`);
    assert.equal(status.videos.length, 1);
    return status.videos;
  };

  for (const api of ['gemini', 'vertex'] as const) {
    describe(api, () => {
      const inline = api === 'vertex';

      test(`text to video: ${inline ? 'inline bytes (no output URI)' : 'a remote file streamed with the key'}`, async () => {
        const omni = adapter(api);
        const { id, status } = await generate(omni, request({ aspectRatio: '9:16', durationSeconds: 5 }));
        const [video] = videosOf(status);
        assert.equal(video!.kind, inline ? 'inline' : 'remote');
        const downloads = simulator.interactions.stats.downloads;
        const bytes = Buffer.concat(await (await omni.open(video as never)).toArray());
        assert.deepEqual(bytes, await videoBytesFor('9:16', 5, '720p'));
        const mp4 = readMp4(bytes);
        assert.ok(mp4.height > mp4.width);
        assert.equal(simulator.interactions.stats.downloads, downloads + (inline ? 0 : 1));
        if (video!.kind === 'remote') assert.doesNotMatch(video!.uri, /test-key/);
        const sent = await sdk(api).interactions.get(id);
        assert.equal(sent.generation_config?.video_config?.task, 'text_to_video');
        assert.deepEqual(sent.response_format, {
          type: 'video',
          aspect_ratio: '9:16',
          duration: '5s',
          resolution: '720p',
          delivery: inline ? 'inline' : 'uri',
        });
      });

      const modes: Array<[string, Record<string, unknown>, string]> = [
        ['a first frame', { image: png() }, 'image_to_video'],
        ['first and last frames', { image: png(), lastFrame: png() }, 'image_to_video'],
        ['reference images', { referenceImages: [png(), png(), png()] }, 'reference_to_video'],
      ];
      for (const [what, inputs, task] of modes) {
        test(`${what} → ${task}`, async () => {
          const { id, status } = await generate(adapter(api), request(), inputs);
          videosOf(status);
          assert.equal((await sdk(api).interactions.get(id)).generation_config?.video_config?.task, task);
        });
      }

      test('an edit chain of two turns continues each previous interaction', async () => {
        const omni = adapter(api);
        const first = await generate(omni, request({ aspectRatio: '9:16' }));
        let parent = first.id;
        for (const step of [1, 2]) {
          const edit = await generate(
            omni,
            request({
              mode: 'edit',
              prompt: `turn ${step}: make it a doodle`,
              aspectRatio: '9:16',
              parent: { operationId: `op-${step}`, rootOperationId: 'op-0', step, upstreamName: parent },
            }),
          );
          videosOf(edit.status);
          const sent = await sdk(api).interactions.get(edit.id);
          assert.equal(sent.previous_interaction_id, parent);
          assert.equal(sent.generation_config?.video_config?.task, 'edit');
          parent = edit.id;
        }
      });

      test('extend: continues an Omni parent by id; a video by URI otherwise (gs:// on Vertex only)', async () => {
        const omni = adapter(api);
        const first = await generate(omni, request());
        const parent = { operationId: 'op-0', rootOperationId: 'op-0', step: 1 };
        const extended = await generate(
          omni,
          request({ mode: 'extend', prompt: 'it flies on', parent: { ...parent, upstreamName: first.id } }),
        );
        videosOf(extended.status);
        const sent = await sdk(api).interactions.get(extended.id);
        assert.deepEqual(
          [sent.previous_interaction_id, sent.generation_config?.video_config?.task],
          [first.id, 'extend'],
        );
        const video = { source: 'gcs' as const, uri: 'gs://in/clip.mp4', mimeType: 'video/mp4' };
        const veoParent = { ...parent, upstreamName: 'projects/demo/locations/us-central1/operations/x' };
        const byUri = omni.submit(request({ mode: 'extend', parent: veoParent, video }), {}, context());
        if (api === 'vertex') {
          const { operationName } = await byUri;
          const sentByUri = await sdk(api).interactions.get(operationName);
          assert.equal(sentByUri.previous_interaction_id, undefined);
        } else {
          const failure = await failureOf(byUri);
          assert.ok(failure instanceof SubmitFailure);
          assert.deepEqual([failure.kind, failure.code], ['refused', 'INVALID_ARGUMENT']);
          assert.match(failure.message, /the Gemini API needs its bytes/);
          // With the bytes (read from the blob store) the Gemini API takes the video inline.
          const bytes = (await videoBytesFor('16:9', 6, '720p')).toString('base64');
          const inline = await generate(omni, request({ mode: 'extend', parent: veoParent, video }), {
            video: { reference: video, base64: bytes },
          });
          videosOf(inline.status);
        }
      });

      test('cancel stops a running interaction; its poll then ends as cancelled', async () => {
        const omni = adapter(api);
        const { operationName } = await omni.submit(request(), {}, context());
        assert.equal(await omni.cancel(operationName, MODEL), 'cancelled');
        bench.advance(3600);
        assert.deepEqual(await omni.poll(operationName, MODEL), {
          done: true,
          error: { code: 'CANCELLED', message: 'The Omni interaction was cancelled' },
        });
      });

      test('a video blocked by safety filters ends filtered, with the reason', async () => {
        const { status } = await generate(adapter(api), request({ prompt: 'filtered [sim:rai]' }));
        assert.ok(status.done && 'videos' in status);
        assert.deepEqual(status.videos, []);
        assert.equal(status.raiFilteredCount, 1);
        assert.match(status.raiReasons[0]!, /safety filter/);
      });

      test('a generation that fails for another reason ends with its error', async () => {
        const { status } = await generate(adapter(api), request({ prompt: 'x [sim:error]' }));
        assert.ok(status.done && 'error' in status);
        assert.equal(status.error.code, 'INTERNAL');
        assert.match(
          status.error.message,
          /Gemini Omni reported an error: failed: Simulated generation failure/,
        );
      });

      const submitFailures: Array<[string, Partial<VideoRequest>, string, string, boolean]> = [
        ['429 quota', { prompt: 'x [sim:submit-429]' }, 'not-started', 'RESOURCE_EXHAUSTED', false],
        ['503 unavailable', { prompt: 'x [sim:submit-503]' }, 'not-started', 'UPSTREAM', true],
        ['500 internal', { prompt: 'x [sim:submit-500]' }, 'unknown', 'UPSTREAM', true],
        ['a malformed answer', { prompt: 'x [sim:submit-malformed]' }, 'unknown', 'UPSTREAM', true],
        ['400 invalid duration', { durationSeconds: 20 }, 'refused', 'INVALID_ARGUMENT', false],
        ['404 unknown model', { model: 'gemini-omni-9-flash' }, 'refused', 'NOT_FOUND', false],
      ];
      for (const [what, over, kind, code, outage] of submitFailures) {
        test(`submit failure: ${what} is ${kind}, sent exactly once`, async () => {
          const stats = { ...simulator.interactions.stats };
          const count = simulator.interactions.count();
          const failure = await failureOf(adapter(api).submit(request(over), {}, context()));
          assert.ok(failure instanceof SubmitFailure);
          assert.deepEqual(
            [failure.kind, failure.code, failure.outage, failure.retryable],
            [kind, code, outage, kind === 'not-started'],
          );
          assert.equal(simulator.interactions.stats.refused, stats.refused + 1, 'one request, no retry');
          assert.equal(simulator.interactions.stats.creates, stats.creates);
          assert.equal(simulator.interactions.count(), count);
        });
      }

      test('submit failure: an outage (503) is not-started and looks like an outage', async () => {
        simulator.outage({ seconds: 60 });
        const failure = await failureOf(adapter(api).submit(request(), {}, context()));
        assert.ok(failure instanceof SubmitFailure);
        assert.deepEqual([failure.kind, failure.outage], ['not-started', true]);
      });

      test('submit failure: an edit without a previous interaction is refused before sending', async () => {
        const stats = { ...simulator.interactions.stats };
        const failure = await failureOf(
          adapter(api).submit(
            request({ mode: 'edit', parent: { operationId: 'op-0', rootOperationId: 'op-0', step: 1 } }),
            {},
            context(),
          ),
        );
        assert.ok(failure instanceof SubmitFailure);
        assert.deepEqual([failure.kind, failure.code], ['refused', 'INVALID_ARGUMENT']);
        assert.deepEqual(simulator.interactions.stats, stats);
      });

      test('poll failures: an unknown interaction is NOT_FOUND; a 500 is retryable and the next poll works', async () => {
        const omni = adapter(api);
        const unknown = await failureOf(omni.poll('v1_unknown', MODEL));
        assert.deepEqual([unknown.code, unknown.retryable], ['NOT_FOUND', false]);
        const { operationName } = await omni.submit(request({ prompt: 'x [sim:poll-500]' }), {}, context());
        const flaky = await failureOf(omni.poll(operationName, MODEL));
        assert.deepEqual([flaky.code, flaky.retryable], ['UPSTREAM', true]);
        assert.deepEqual(await omni.poll(operationName, MODEL), { done: false });
      });
    });
  }

  describe('Vertex output to storage', () => {
    test('with an output URI Omni writes the video there (delivery uri + gcs_uri) and it is reported stored', async () => {
      const omni = adapter('vertex');
      assert.equal(omni.writesToStorage(MODEL), true);
      const { id, status } = await generate(
        omni,
        request({ aspectRatio: '16:9' }),
        { image: gcsImage() },
        context({ outputUri: 'gs://outputs/ops/op-1/' }),
      );
      const [video] = videosOf(status);
      assert.equal(video!.kind, 'stored');
      assert.match(
        video!.kind === 'stored' ? video!.uri : '',
        /^gs:\/\/outputs\/ops\/op-1\/v1_[0-9a-f]+\/sample_0\.mp4$/,
      );
      const mp4 = readMp4(written.get((video as { uri: string }).uri)!);
      assert.ok(mp4.width > mp4.height);
      const sent = await sdk('vertex').interactions.get(id);
      assert.equal((sent.response_format as { gcs_uri?: string }).gcs_uri, 'gs://outputs/ops/op-1/');
    });

    test('the Gemini API never writes to storage, ignores the output URI, and cannot read gs:// images', async () => {
      const omni = adapter('gemini');
      assert.equal(omni.writesToStorage(MODEL), false);
      const stats = { ...simulator.interactions.stats };
      const failure = await failureOf(omni.submit(request(), { image: gcsImage() }, context()));
      assert.ok(failure instanceof SubmitFailure);
      assert.deepEqual([failure.kind, failure.code], ['refused', 'INVALID_ARGUMENT']);
      assert.match(failure.message, /the Gemini API needs the image bytes/);
      assert.deepEqual(simulator.interactions.stats, stats);
      const { id } = await generate(omni, request(), {}, context({ outputUri: 'gs://outputs/ops/op-2/' }));
      const format = (await sdk('gemini').interactions.get(id)).response_format as { gcs_uri?: string };
      assert.equal(format.gcs_uri, undefined);
    });
  });

  describe('transport failures', () => {
    let silent: Server;
    let silentUrl: string;
    before(async () => {
      silent = createServer(() => {}); // accepts, never answers
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    after(() => {
      silent.closeAllConnections();
      silent.close();
    });

    test('a refused connection started nothing (not-started, outage)', async () => {
      const omni = adapter('gemini', { baseUrl: `http://127.0.0.1:${await closedPort()}` });
      const failure = await failureOf(omni.submit(request(), {}, context()));
      assert.ok(failure instanceof SubmitFailure);
      assert.deepEqual([failure.kind, failure.outage, failure.code], ['not-started', true, 'UPSTREAM']);
    });

    test('no answer in time may have started a generation (unknown, DEADLINE_EXCEEDED)', async () => {
      const omni = adapter('vertex', { baseUrl: silentUrl, timeoutMs: 150 });
      const failure = await failureOf(omni.submit(request(), {}, context()));
      assert.ok(failure instanceof SubmitFailure);
      assert.deepEqual(
        [failure.kind, failure.code, failure.retryable],
        ['unknown', 'DEADLINE_EXCEEDED', false],
      );
    });

    test('a remote video on another host is not fetched: the API key goes nowhere else', async () => {
      let requests = 0;
      const elsewhere = createServer((_req, res) => {
        requests++;
        res.end();
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      try {
        const uri = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/v1beta/files/abc:download`;
        const failure = await failureOf(
          adapter('gemini').open({ kind: 'remote', uri, mimeType: 'video/mp4' }),
        );
        assert.match(failure.message, /not fetched/);
        assert.equal(requests, 0);
      } finally {
        elsewhere.close();
      }
    });
  });

  describe('availability', () => {
    test('Gemini API: served, retired and cached for ten minutes', async () => {
      const omni = adapter('gemini');
      const gets = simulator.interactions.stats.modelGets;
      assert.equal((await omni.availability(MODEL)).state, 'available');
      const retired = await omni.availability('gemini-omni-flash-preview');
      assert.equal(retired.state, 'not-found');
      assert.match(retired.detail!, /no longer available/);
      assert.equal((await omni.availability(MODEL)).state, 'available');
      assert.equal(
        simulator.interactions.stats.modelGets,
        gets + 2,
        'the second ask was served from the cache',
      );
      bench.advance(600);
      await omni.availability(MODEL);
      assert.equal(simulator.interactions.stats.modelGets, gets + 3, 'asked again after ten minutes');
    });

    test("an answer that says nothing (an outage) is 'unknown', not an error", async () => {
      simulator.outage({ seconds: 60 });
      assert.equal((await adapter('gemini').availability(MODEL)).state, 'unknown');
    });

    test('Vertex: the publisher model is found', async () => {
      assert.equal((await adapter('vertex').availability(MODEL)).state, 'available');
    });
  });
});
