// The simulator speaks the Interactions API (Gemini Omni video) on the Gemini API and on Vertex AI: the real
// @google/genai client runs against it unchanged — every task, both deliveries, cancel, and the failures users meet.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { GoogleGenAI, Interactions } from '@google/genai';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';
import { readMp4 } from '../../helpers/mp4.js';
import { OMNI_MODEL, OmniBench, ONCE, PNG, omniClient } from '../../helpers/omni-sdk.js';

const MODEL = OMNI_MODEL;
const client = omniClient;
const image = { type: 'image', mime_type: 'image/png', data: PNG } as const;
type Params = Interactions.InteractionCreateParams.CreateModelInteractionParamsNonStreaming;

/** The HTTP status and Google error envelope of a failed SDK call. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { status: number; error?: { error?: { status: string; message: string } } };
    const body = e.error?.error ?? (e.error as { status: string; message: string } | undefined);
    return { status: e.status, code: body?.status ?? '', message: body?.message ?? String(err) };
  }
  assert.fail('the call succeeded');
}

function videoOf(interaction: { output_video?: { data?: string; uri?: string; mime_type?: string } }) {
  assert.ok(interaction.output_video, 'the interaction has an output video');
  return interaction.output_video;
}

describe('Interactions API simulator (Gemini Omni)', () => {
  const bench = new OmniBench();
  const { simulator, written } = bench;
  let baseUrl: string;

  before(async () => ({ baseUrl } = await bench.start()));
  after(() => simulator.close());
  beforeEach(() => simulator.outage({ seconds: 0 }));

  const advance = (seconds: number) => bench.advance(seconds);

  for (const api of ['gemini', 'vertex'] as const) {
    describe(api === 'gemini' ? 'Gemini API (x-goog-api-key)' : 'Vertex AI (Bearer, location global)', () => {
      let ai: GoogleGenAI;
      before(() => (ai = client(api, baseUrl)));

      /** Creates in the background, checks it is running, lets it finish, and returns the finished interaction. */
      async function run(params: Record<string, unknown>) {
        const created = await ai.interactions.create(
          { model: MODEL, background: true, ...params } as Params,
          ONCE,
        );
        assert.equal(created.status, 'in_progress');
        assert.equal(created.output_video, undefined);
        advance(31);
        return ai.interactions.get(created.id, undefined, ONCE);
      }

      for (const aspect of ['16:9', '9:16']) {
        test(`text_to_video ${aspect}, inline: in progress, then one MP4 of that shape`, async () => {
          const done = await run({
            input: 'a red marble on a wooden track',
            response_format: { type: 'video', aspect_ratio: aspect, duration: '6s', resolution: '720p' },
          });
          assert.equal(done.status, 'completed');
          assert.equal(done.generation_config?.video_config?.task, 'text_to_video');
          const video = videoOf(done);
          assert.equal(video.mime_type, 'video/mp4');
          const mp4 = readMp4(Buffer.from(video.data!, 'base64'));
          assert.equal(mp4.width > mp4.height, aspect === '16:9');
          assert.equal(mp4.durationSeconds, 6);
        });
      }

      test('image_to_video from a first frame is inferred from one image', async () => {
        const done = await run({ input: [{ type: 'text', text: 'the suitcase opens' }, image] });
        assert.equal(done.generation_config?.video_config?.task, 'image_to_video');
        readMp4(Buffer.from(videoOf(done).data!, 'base64'));
      });

      test('image_to_video with first and last frames', async () => {
        const done = await run({
          input: [{ type: 'text', text: 'the camera moves around the bench' }, image, image],
          generation_config: { video_config: { task: 'image_to_video' } },
          response_format: { type: 'video', aspect_ratio: '9:16' },
        });
        assert.equal(done.status, 'completed');
        const mp4 = readMp4(Buffer.from(videoOf(done).data!, 'base64'));
        assert.ok(mp4.height > mp4.width);
      });

      test('reference_to_video with reference images; more than the model allows is a 400', async () => {
        const done = await run({
          input: [{ type: 'text', text: 'a robot doing three movements' }, image, image, image],
          generation_config: { video_config: { task: 'reference_to_video' } },
        });
        assert.equal(done.status, 'completed');
        const creates = simulator.interactions.stats.creates;
        const tooMany = await refusal(
          ai.interactions.create(
            {
              model: MODEL,
              background: true,
              input: [{ type: 'text', text: 'x' }, ...Array(7).fill(image)],
              generation_config: { video_config: { task: 'reference_to_video' } },
            } as Params,
            ONCE,
          ),
        );
        assert.deepEqual([tooMany.status, tooMany.code], [400, 'INVALID_ARGUMENT']);
        assert.match(tooMany.message, /reference_to_video needs 1 to 6 reference images/);
        assert.equal(simulator.interactions.stats.creates, creates);
      });

      test('edit and extend continue a completed interaction (previous_interaction_id), keeping its shape', async () => {
        const first = await run({
          input: 'a claymation ball',
          response_format: { type: 'video', aspect_ratio: '9:16', duration: '5s' },
        });
        const edited = await run({ input: 'now in a doodle style', previous_interaction_id: first.id });
        assert.equal(edited.previous_interaction_id, first.id);
        assert.equal(edited.generation_config?.video_config?.task, 'edit');
        const mp4 = readMp4(Buffer.from(videoOf(edited).data!, 'base64'));
        assert.ok(mp4.height > mp4.width);
        assert.equal(mp4.durationSeconds, 5);
        const extended = await run({
          input: 'the ball rolls on',
          previous_interaction_id: edited.id,
          generation_config: { video_config: { task: 'extend' } },
        });
        assert.equal(extended.generation_config?.video_config?.task, 'extend');
        assert.equal(extended.status, 'completed');
      });

      test('cancel: a running interaction is cancelled and never completes; it cannot be continued', async () => {
        const created = await ai.interactions.create(
          { model: MODEL, background: true, input: 'a long take' } as Params,
          ONCE,
        );
        const cancelled = await ai.interactions.cancel(created.id, undefined, ONCE);
        assert.equal(cancelled.status, 'cancelled');
        advance(3600);
        const later = await ai.interactions.get(created.id, undefined, ONCE);
        assert.equal(later.status, 'cancelled');
        assert.equal(later.output_video, undefined);
        const edit = await refusal(
          ai.interactions.create(
            {
              model: MODEL,
              background: true,
              input: 'edit it',
              previous_interaction_id: created.id,
            } as Params,
            ONCE,
          ),
        );
        assert.deepEqual([edit.status, edit.code], [400, 'INVALID_ARGUMENT']);
        assert.match(edit.message, /did not complete/);
      });

      test('a finished interaction cannot be cancelled', async () => {
        const done = await run({ input: 'short' });
        const refused = await refusal(ai.interactions.cancel(done.id, undefined, ONCE));
        assert.deepEqual([refused.status, refused.code], [400, 'FAILED_PRECONDITION']);
        assert.equal((await ai.interactions.get(done.id, undefined, ONCE)).status, 'completed');
      });

      test('safety filtering: the interaction fails with the reason in its model_output step', async () => {
        const done = await run({ input: 'something filtered [sim:rai]' });
        assert.equal(done.status, 'failed');
        assert.equal(done.output_video, undefined);
        const step = done.steps.find((s) => s.type === 'model_output') as { error?: { message?: string } };
        assert.match(step.error?.message ?? '', /safety filter/);
      });

      const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
        ['a duration beyond the model', { duration: '16s' }, /duration "16s" is not supported: .*3s to 15s/],
        ['a duration below 3 s', { duration: '2s' }, /duration "2s"/],
        ['a duration without unit', { duration: '6' }, /duration "6"/],
        [
          'an aspect ratio Omni lacks',
          { aspect_ratio: '1:1' },
          /aspect_ratio "1:1" is not supported: use 16:9 or 9:16/,
        ],
        [
          'a resolution Omni lacks',
          { resolution: '8k' },
          /resolution "8k" is not supported: use one of 360p/,
        ],
        ['an unknown delivery', { delivery: 'email' }, /delivery "email"/],
      ];
      for (const [what, format, message] of invalid) {
        test(`400 INVALID_ARGUMENT for ${what}, and nothing is created`, async () => {
          const creates = simulator.interactions.stats.creates;
          const count = simulator.interactions.count();
          const refused = await refusal(
            ai.interactions.create(
              {
                model: MODEL,
                background: true,
                input: 'x',
                response_format: { type: 'video', ...format },
              } as Params,
              ONCE,
            ),
          );
          assert.deepEqual([refused.status, refused.code], [400, 'INVALID_ARGUMENT']);
          assert.match(refused.message, message);
          assert.equal(simulator.interactions.stats.creates, creates);
          assert.equal(simulator.interactions.count(), count);
        });
      }

      test('400 for a previous_interaction_id that names no interaction', async () => {
        const refused = await refusal(
          ai.interactions.create(
            { model: MODEL, background: true, input: 'edit', previous_interaction_id: 'v1_nope' } as Params,
            ONCE,
          ),
        );
        assert.deepEqual([refused.status, refused.code], [400, 'INVALID_ARGUMENT']);
        assert.match(refused.message, /previous_interaction_id "v1_nope" does not name an interaction/);
      });

      test('404 NOT_FOUND for an id Omni never had, and nothing is created', async () => {
        const count = simulator.interactions.count();
        const refused = await refusal(
          ai.interactions.create(
            { model: 'gemini-omni-9-flash', background: true, input: 'x' } as Params,
            ONCE,
          ),
        );
        assert.deepEqual([refused.status, refused.code], [404, 'NOT_FOUND']);
        assert.match(refused.message, api === 'gemini' ? /is not found for API version/ : /Publisher Model/);
        assert.equal(simulator.interactions.count(), count);
        const unknown = await refusal(ai.interactions.get('v1_unknown', undefined, ONCE));
        assert.deepEqual([unknown.status, unknown.code], [404, 'NOT_FOUND']);
      });

      test('429 RESOURCE_EXHAUSTED from a [sim:submit-429] prompt creates nothing', async () => {
        const count = simulator.interactions.count();
        const refused = await refusal(
          ai.interactions.create(
            { model: MODEL, background: true, input: 'x [sim:submit-429]' } as Params,
            ONCE,
          ),
        );
        assert.deepEqual([refused.status, refused.code], [429, 'RESOURCE_EXHAUSTED']);
        assert.equal(simulator.interactions.count(), count);
      });

      test("an outage answers 503 UNAVAILABLE with Google's text", async () => {
        simulator.outage({ seconds: 60 });
        const refused = await refusal(
          ai.interactions.create({ model: MODEL, background: true, input: 'x' } as Params, ONCE),
        );
        assert.deepEqual([refused.status, refused.code], [503, 'UNAVAILABLE']);
      });
    });
  }

  describe('deliveries by URI', () => {
    test('Gemini API: a file URI the simulator serves only with the API key in a header', async () => {
      const ai = client('gemini', baseUrl);
      const created = await ai.interactions.create(
        {
          model: MODEL,
          background: true,
          input: 'a kite',
          response_format: { type: 'video', aspect_ratio: '9:16', delivery: 'uri' },
        } as Params,
        ONCE,
      );
      advance(31);
      const uri = videoOf(await ai.interactions.get(created.id, undefined, ONCE)).uri!;
      assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/v1beta\/files\/[a-z0-9]+:download\?alt=media$/);
      assert.equal((await fetch(uri)).status, 403);
      assert.equal((await fetch(`${uri}&key=test-key`)).status, 403, 'a key in the URL is not accepted');
      const response = await fetch(uri, { headers: { 'x-goog-api-key': 'test-key' } });
      assert.equal(response.status, 200);
      const mp4 = readMp4(Buffer.from(await response.arrayBuffer()));
      assert.ok(mp4.height > mp4.width);
    });

    test('Gemini API: gcs_uri is refused (Vertex only)', async () => {
      const refused = await refusal(
        client('gemini', baseUrl).interactions.create(
          {
            model: MODEL,
            background: true,
            input: 'x',
            response_format: { type: 'video', delivery: 'uri', gcs_uri: 'gs://b/p' },
          } as Params,
          ONCE,
        ),
      );
      assert.deepEqual([refused.status, refused.code], [400, 'INVALID_ARGUMENT']);
    });

    test('Vertex: delivery uri needs gcs_uri, then the video is written there and named by gs:// URI', async () => {
      const ai = client('vertex', baseUrl);
      const missing = await refusal(
        ai.interactions.create(
          {
            model: MODEL,
            background: true,
            input: 'x',
            response_format: { type: 'video', delivery: 'uri' },
          } as Params,
          ONCE,
        ),
      );
      assert.deepEqual([missing.status, missing.code], [400, 'INVALID_ARGUMENT']);
      assert.match(
        missing.message,
        /gcs_uri \(gs:\/\/bucket\/path\) is required on Vertex AI when delivery is uri/,
      );
      const created = await ai.interactions.create(
        {
          model: MODEL,
          background: true,
          input: 'a kite',
          response_format: {
            type: 'video',
            aspect_ratio: '16:9',
            delivery: 'uri',
            gcs_uri: 'gs://bucket/ops/1/',
          },
        } as Params,
        ONCE,
      );
      advance(31);
      const uri = videoOf(await ai.interactions.get(created.id, undefined, ONCE)).uri!;
      assert.match(uri, /^gs:\/\/bucket\/ops\/1\/v1_[0-9a-f]+\/sample_0\.mp4$/);
      const mp4 = readMp4(written.get(uri)!);
      assert.ok(mp4.width > mp4.height);
    });
  });

  describe('credentials, locations and scopes', () => {
    test('Gemini API without an API key: 403 PERMISSION_DENIED, as Google answers', async () => {
      const response = await fetch(`${baseUrl}/v1beta/interactions`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, input: 'x', background: true }),
      });
      assert.equal(response.status, 403);
      const { error } = (await response.json()) as { error: { status: string; message: string } };
      assert.equal(error.status, 'PERMISSION_DENIED');
      assert.match(error.message, /unregistered callers/);
    });

    test('Vertex without a bearer token: 401 UNAUTHENTICATED', async () => {
      const response = await fetch(`${baseUrl}/v1beta1/projects/demo/locations/global/interactions`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, input: 'x', background: true }),
      });
      assert.equal(response.status, 401);
      assert.equal(
        ((await response.json()) as { error: { status: string } }).error.status,
        'UNAUTHENTICATED',
      );
    });

    test('Vertex: Omni is served from location global only', async () => {
      const refused = await refusal(
        client('vertex', baseUrl, 'us-central1').interactions.create(
          { model: MODEL, background: true, input: 'x' } as Params,
          ONCE,
        ),
      );
      assert.deepEqual([refused.status, refused.code], [404, 'NOT_FOUND']);
      assert.match(
        refused.message,
        /locations\/us-central1\/publishers\/google\/models\/gemini-omni-1\.2-flash/,
      );
    });

    test('Vertex: gemini-omni-flash-preview is still served, at 720p only', async () => {
      const ai = client('vertex', baseUrl);
      const params = (resolution: string) =>
        ({
          model: 'gemini-omni-flash-preview',
          background: true,
          input: 'x',
          response_format: { type: 'video', resolution },
        }) as Params;
      assert.equal((await ai.interactions.create(params('720p'), ONCE)).status, 'in_progress');
      const refused = await refusal(ai.interactions.create(params('1080p'), ONCE));
      assert.deepEqual([refused.status, refused.code], [400, 'INVALID_ARGUMENT']);
      assert.match(refused.message, /resolution "1080p" is not supported: use one of 720p\./);
    });

    test('an interaction is visible only on the backend that made it', async () => {
      const created = await client('gemini', baseUrl).interactions.create(
        { model: MODEL, background: true, input: 'x' } as Params,
        ONCE,
      );
      const other = await refusal(client('vertex', baseUrl).interactions.get(created.id, undefined, ONCE));
      assert.equal(other.status, 404);
      const edit = await refusal(
        client('vertex', baseUrl).interactions.create(
          { model: MODEL, background: true, input: 'edit', previous_interaction_id: created.id } as Params,
          ONCE,
        ),
      );
      assert.equal(edit.status, 400);
    });
  });

  describe('models on the Gemini API (ai.models.get / list)', () => {
    const ai = () => client('gemini', baseUrl);

    test('a served Omni model is found', async () => {
      const model = await ai().models.get({ model: MODEL });
      assert.equal(model.name, `models/${MODEL}`);
    });

    test('the retired gemini-omni-flash-preview is 404 "no longer available", at get and at create', async () => {
      const got = await refusal(ai().models.get({ model: 'gemini-omni-flash-preview' }));
      assert.equal(got.status, 404);
      assert.match(got.message, /models\/gemini-omni-flash-preview is no longer available/);
      const count = simulator.interactions.count();
      const created = await refusal(
        ai().interactions.create(
          { model: 'gemini-omni-flash-preview', background: true, input: 'x' } as Params,
          ONCE,
        ),
      );
      assert.deepEqual([created.status, created.code], [404, 'NOT_FOUND']);
      assert.equal(simulator.interactions.count(), count);
    });

    test('an unknown id is 404; the list names the served models only', async () => {
      assert.equal((await refusal(ai().models.get({ model: 'gemini-omni-7-flash' }))).status, 404);
      const names: string[] = [];
      for await (const model of await ai().models.list()) names.push(model.name!);
      assert.deepEqual(names.sort(), ['models/gemini-omni-1.1-flash', 'models/gemini-omni-1.2-flash']);
    });

    test('Vertex: ai.models.get answers for an Omni publisher model', async () => {
      const model = await client('vertex', baseUrl).models.get({ model: MODEL });
      assert.equal(model.name, `publishers/google/models/${MODEL}`);
    });
  });

  test("the per-minute quota answers 429 with Google's text and starts nothing", async () => {
    const limited = new VeoSimulator({ delaySeconds: 1, submitsPerMinute: 1, now: () => bench.now });
    const url = await limited.listen(0);
    try {
      for (const api of ['gemini', 'vertex'] as const) {
        const ai = client(api, url);
        await ai.interactions.create({ model: MODEL, background: true, input: 'one' } as Params, ONCE);
        const refused = await refusal(
          ai.interactions.create({ model: MODEL, background: true, input: 'two' } as Params, ONCE),
        );
        assert.deepEqual([refused.status, refused.code], [429, 'RESOURCE_EXHAUSTED']);
        assert.match(refused.message, api === 'gemini' ? /exceeded your current quota/ : /Quota exceeded/);
      }
      assert.equal(limited.interactions.stats.creates, 2);
    } finally {
      await limited.close();
    }
  });
});
