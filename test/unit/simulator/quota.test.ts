// The simulator's per-minute quota, as Vertex's: per project, region and model, over a sliding 60-second window,
// answered with Google's 429 RESOURCE_EXHAUSTED. Time is a manual clock: no test waits for a minute to pass.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { loadConfig } from '../../../functions/src/config/index.js';
import { createRuntime } from '../../../functions/src/runtime.js';
import { quotaExceededMessage, VeoSimulator } from '../../../functions/src/simulator/server.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { submitVideo, vertexClient, VEO_MODEL } from '../../helpers/veo-sdk.js';

const MODEL_NAME = `projects/demo/locations/us-central1/publishers/google/models/${VEO_MODEL}`;

/** Asserts that `submit` is refused exactly as Vertex refuses a submit beyond the quota. */
async function assertQuotaRefusal(submit: Promise<unknown>, model = VEO_MODEL): Promise<void> {
  await assert.rejects(submit, (err: unknown) => {
    assert.ok(err instanceof ApiError, `an ApiError, got ${String(err)}`);
    assert.equal(err.status, 429);
    const body = JSON.parse(err.message) as { error: { code: number; message: string; status: string } };
    assert.deepEqual(body, {
      error: { code: 429, message: quotaExceededMessage(model), status: 'RESOURCE_EXHAUSTED' },
    });
    return true;
  });
}

describe('Veo simulator quota', () => {
  let simulator: VeoSimulator | undefined;
  afterEach(() => simulator?.close());

  async function start(submitsPerMinute: number | undefined) {
    const clock = new ManualClock();
    simulator = new VeoSimulator({ delaySeconds: 0, submitsPerMinute, now: () => clock.now().getTime() });
    const baseUrl = await simulator.listen(0);
    return { clock, ai: vertexClient(baseUrl), baseUrl, simulator };
  }

  test("the (N+1)th submit in a minute gets Vertex's 429 RESOURCE_EXHAUSTED with Google's message, and starts nothing", async () => {
    const { ai, simulator, clock } = await start(3);
    const accepted = [await submitVideo(ai), await submitVideo(ai), await submitVideo(ai)];
    assert.equal(new Set(accepted).size, 3);
    await assertQuotaRefusal(submitVideo(ai));
    assert.match(
      quotaExceededMessage(VEO_MODEL),
      /^Quota exceeded for aiplatform\.googleapis\.com\/online_prediction_requests_per_base_model with base model: veo-3\.1-generate-001\. Please submit a quota increase request\./,
    );
    assert.equal(simulator.stats.submits, 3);
    assert.equal(simulator.stats.quotaRefusals, 1);
    const at = clock.now().getTime();
    assert.deepEqual(simulator.stats.submitTimes, { [MODEL_NAME]: [at, at, at] });
  });

  test('the window slides: a slot frees 60 s after the submit that took it, not before', async () => {
    const { ai, clock, simulator } = await start(2);
    const t0 = clock.now().getTime();
    await submitVideo(ai);
    await clock.advance(30_000);
    await submitVideo(ai);
    await clock.advance(29_999);
    await assertQuotaRefusal(submitVideo(ai));
    await clock.advance(1); // t0 + 60 s: the first submit leaves the window
    await submitVideo(ai);
    await assertQuotaRefusal(submitVideo(ai));
    await clock.advance(30_000); // t0 + 90 s: the second leaves too
    await submitVideo(ai);
    assert.deepEqual(simulator.stats.submitTimes[MODEL_NAME], [t0, t0 + 30_000, t0 + 60_000, t0 + 90_000]);
    assert.equal(simulator.stats.quotaRefusals, 2);
  });

  test('a refused submit does not count in the window', async () => {
    const { ai, clock, simulator } = await start(1);
    await submitVideo(ai);
    for (let i = 0; i < 5; i++) {
      await clock.advance(10_000);
      await assertQuotaRefusal(submitVideo(ai));
    }
    await clock.advance(10_000); // 60 s after the one accepted submit; the refusals at 10-50 s took no slot
    await submitVideo(ai);
    assert.equal(simulator.stats.submits, 2);
    assert.equal(simulator.stats.quotaRefusals, 5);
  });

  test('each model, in each project and region, has its own quota', async () => {
    const { ai, baseUrl, simulator } = await start(1);
    await submitVideo(ai, VEO_MODEL);
    await submitVideo(ai, 'veo-3.1-fast-generate-001');
    await submitVideo(vertexClient(baseUrl, { location: 'europe-west4' }), VEO_MODEL);
    await submitVideo(vertexClient(baseUrl, { project: 'other' }), VEO_MODEL);
    await assertQuotaRefusal(submitVideo(ai, VEO_MODEL));
    await assertQuotaRefusal(submitVideo(ai, 'veo-3.1-fast-generate-001'), 'veo-3.1-fast-generate-001');
    assert.deepEqual(Object.keys(simulator.stats.submitTimes).sort(), [
      `projects/demo/locations/europe-west4/publishers/google/models/${VEO_MODEL}`,
      'projects/demo/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001',
      MODEL_NAME,
      `projects/other/locations/us-central1/publishers/google/models/${VEO_MODEL}`,
    ]);
  });

  test('without submitsPerMinute (or with 0) there is no quota', async () => {
    for (const submitsPerMinute of [undefined, 0]) {
      const { ai, simulator } = await start(submitsPerMinute);
      for (let i = 0; i < 25; i++) await submitVideo(ai);
      assert.equal(simulator.stats.submits, 25);
      assert.equal(simulator.stats.quotaRefusals, 0);
      await simulator.close();
    }
  });

  test('the existing fault table still works under a quota, and a fault-injected 429 takes no slot', async () => {
    const { ai, simulator } = await start(1);
    await assert.rejects(submitVideo(ai, VEO_MODEL, 'a dog [sim:submit-429]'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 429);
      assert.match(err.message, /Simulated quota exhaustion/);
      return true;
    });
    await submitVideo(ai);
    await assertQuotaRefusal(submitVideo(ai));
    assert.equal(simulator.stats.submits, 1);
  });

  test('an impossible submitsPerMinute is refused when the simulator is built', () => {
    for (const submitsPerMinute of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => new VeoSimulator({ submitsPerMinute }), /submitsPerMinute must be an integer >= 0/);
    }
  });
});

describe('SIMULATOR_SUBMITS_PER_MINUTE', () => {
  test('reaches the embedded simulator that npm start builds', async () => {
    const runtime = await createRuntime(loadConfig({ SIMULATOR_SUBMITS_PER_MINUTE: '1' }));
    try {
      const ai = vertexClient(runtime.veoBaseUrl!, { project: 'simulator-project' });
      await submitVideo(ai);
      await assertQuotaRefusal(submitVideo(ai));
    } finally {
      await runtime.close();
    }
  });

  test('is unset (no quota) by default', () => {
    assert.equal(loadConfig({}).simulator.submitsPerMinute, undefined);
    assert.equal(loadConfig({ SIMULATOR_SUBMITS_PER_MINUTE: '20' }).simulator.submitsPerMinute, 20);
  });

  test('refuses anything but an integer from 1 to 10000, naming the variable', () => {
    for (const value of ['0', '-1', '1.5', 'abc', '10001', 'Infinity']) {
      assert.throws(
        () => loadConfig({ SIMULATOR_SUBMITS_PER_MINUTE: value }),
        (err: Error) => {
          assert.match(
            err.message,
            new RegExp(`SIMULATOR_SUBMITS_PER_MINUTE="${value}": must be an integer between 1 and 10000`),
          );
          return true;
        },
      );
    }
  });
});
