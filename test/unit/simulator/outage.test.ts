// The simulator's outage switch: every submit and poll fails with Google's 503 UNAVAILABLE (or 500 INTERNAL) for a
// while, then recovers by itself; operations accepted before keep their done times. Time is a manual clock.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { pollVideo, submitVideo, vertexClient } from '../../helpers/veo-sdk.js';

/** Asserts that `call` fails as Google answers during an outage with `code`. */
async function assertOutage(call: Promise<unknown>, code: 503 | 500 = 503): Promise<void> {
  const expected =
    code === 503
      ? { code, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' }
      : { code, message: 'Internal error encountered.', status: 'INTERNAL' };
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ApiError, `an ApiError, got ${String(err)}`);
    assert.equal(err.status, code);
    assert.deepEqual(JSON.parse(err.message), { error: expected });
    return true;
  });
}

describe('Veo simulator outage', () => {
  let simulator: VeoSimulator;
  let clock: ManualClock;
  let baseUrl: string;
  afterEach(() => simulator.close());

  async function start(options: { submitsPerMinute?: number } = {}) {
    clock = new ManualClock();
    simulator = new VeoSimulator({ delaySeconds: 10, now: () => clock.now().getTime(), ...options });
    baseUrl = await simulator.listen(0);
    return vertexClient(baseUrl);
  }

  const control = (body: string) =>
    fetch(`${baseUrl}/simulator/outage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  test('submits and polls fail with 503 UNAVAILABLE during it; after it, an operation accepted before completes', async () => {
    const ai = await start();
    const before = await submitVideo(ai); // done at t0 + 10 s, inside the outage
    const doneAt = simulator.doneAt(before);
    simulator.outage({ seconds: 30 });
    await assertOutage(submitVideo(ai));
    await clock.advance(15_000);
    await assertOutage(pollVideo(ai, before));
    await clock.advance(14_999);
    await assertOutage(pollVideo(ai, before));
    assert.deepEqual(
      {
        submits: simulator.stats.submits,
        polls: simulator.stats.polls,
        outage: simulator.stats.outageRefusals,
      },
      { submits: 1, polls: 0, outage: 3 },
    );
    await clock.advance(1); // t0 + 30 s: recovered by itself
    const done = await pollVideo(ai, before);
    assert.equal(done.done, true);
    assert.equal(done.response!.generatedVideos!.length, 1);
    assert.equal(simulator.doneAt(before), doneAt, 'the outage does not move the done time');
    await submitVideo(ai);
    assert.equal(simulator.stats.submits, 2);
  });

  test('status 500 fails them with INTERNAL instead', async () => {
    const ai = await start();
    const name = await submitVideo(ai);
    simulator.outage({ seconds: 5, status: 500 });
    await assertOutage(submitVideo(ai), 500);
    await assertOutage(pollVideo(ai, name), 500);
    await clock.advance(5_000);
    assert.equal((await pollVideo(ai, name)).done, undefined, 'not done yet, but answered');
  });

  test('seconds 0 ends an outage early', async () => {
    const ai = await start();
    simulator.outage({ seconds: 600 });
    await assertOutage(submitVideo(ai));
    simulator.outage({ seconds: 0 });
    await submitVideo(ai);
  });

  test('a submit refused by an outage takes no quota slot', async () => {
    const ai = await start({ submitsPerMinute: 1 });
    simulator.outage({ seconds: 10 });
    await assertOutage(submitVideo(ai));
    await clock.advance(10_000);
    await submitVideo(ai);
    assert.equal(simulator.stats.quotaRefusals, 0);
  });

  test('POST /simulator/outage switches it on and off for a standalone simulator', async () => {
    const ai = await start();
    const on = await control('{"seconds": 20, "status": 503}');
    assert.equal(on.status, 200);
    assert.deepEqual(await on.json(), { outage: { status: 503, until: clock.now().getTime() + 20_000 } });
    await assertOutage(submitVideo(ai));
    const off = await control('{"seconds": 0}');
    assert.deepEqual(await off.json(), { outage: null });
    await submitVideo(ai);
    assert.equal((await control('{"seconds": 2.5, "status": 500}')).status, 200);
    await assertOutage(submitVideo(ai), 500);
    await clock.advance(2_500);
    await submitVideo(ai);
  });

  test('the stats endpoint serves the new counters next to the old ones', async () => {
    const ai = await start({ submitsPerMinute: 1 });
    await submitVideo(ai);
    await assert.rejects(submitVideo(ai));
    simulator.outage({ seconds: 1 });
    await assert.rejects(submitVideo(ai));
    const stats = await (await fetch(`${baseUrl}/simulator/stats`)).json();
    assert.deepEqual(stats, {
      submits: 1,
      polls: 0,
      rejected: 0,
      notices: 0,
      quotaRefusals: 1,
      outageRefusals: 1,
      submitTimes: {
        'projects/demo/locations/us-central1/publishers/google/models/veo-3.1-generate-001': [
          clock.now().getTime(),
        ],
      },
    });
  });

  describe('hostile control requests get a 400 naming the field and change nothing', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['not JSON', 'seconds=30', /the body is not JSON/],
      ['an empty body', '', /the body is not JSON/],
      ['an array', '[30]', /the body must be a JSON object/],
      ['null', 'null', /the body must be a JSON object/],
      ['a bare number', '30', /the body must be a JSON object/],
      ['no seconds', '{"status": 503}', /seconds must be a number from 0 to 86400 .*got nothing/],
      ['negative seconds', '{"seconds": -1}', /seconds must be a number from 0 to 86400 .*got -1/],
      ['huge seconds', '{"seconds": 1e308}', /seconds must be a number from 0 to 86400 .*got 1e\+308/],
      ['seconds just over a day', '{"seconds": 86400.5}', /seconds must be a number from 0 to 86400/],
      ['NaN seconds', '{"seconds": "NaN"}', /seconds must be a number .*got "NaN"/],
      ['seconds as a string', '{"seconds": "30"}', /seconds must be a number .*got "30"/],
      ['null seconds', '{"seconds": null}', /seconds must be a number .*got null/],
      [
        'an unknown status',
        '{"seconds": 30, "status": 404}',
        /status must be 503 \(UNAVAILABLE\) or 500 \(INTERNAL\), got 404/,
      ],
      ['status as a string', '{"seconds": 30, "status": "503"}', /status must be 503 .* got "503"/],
      [
        'an extra field',
        '{"seconds": 30, "model": "veo"}',
        /unknown field "model": allowed fields are seconds, status/,
      ],
      ['a __proto__ field', '{"seconds": 30, "__proto__": {"x": 1}}', /unknown field "__proto__"/],
    ];
    for (const [what, body, message] of cases) {
      test(what, async () => {
        const ai = await start();
        const response = await control(body);
        assert.equal(response.status, 400);
        const { error } = (await response.json()) as {
          error: { code: number; status: string; message: string };
        };
        assert.equal(error.code, 400);
        assert.equal(error.status, 'INVALID_ARGUMENT');
        assert.match(error.message, message);
        await submitVideo(ai); // no outage was switched on
        assert.equal(simulator.stats.outageRefusals, 0);
      });
    }

    test('a bad request during an outage neither ends nor changes it', async () => {
      const ai = await start();
      simulator.outage({ seconds: 30, status: 500 });
      for (const body of [
        '{"seconds": 0, "status": 418}',
        '{"seconds": -5}',
        '{"seconds": 0, "x": 1}',
        '{',
      ]) {
        assert.equal((await control(body)).status, 400);
      }
      await assertOutage(submitVideo(ai), 500);
      await clock.advance(30_000);
      await submitVideo(ai);
    });

    test('simulator.outage() refuses the same inputs with the same words', async () => {
      await start();
      assert.throws(
        () => simulator.outage({ seconds: -1 }),
        /Simulator outage: seconds must be a number from 0/,
      );
      assert.throws(() => simulator.outage({ seconds: 5, status: 404 as never }), /status must be 503/);
      assert.throws(
        () => simulator.outage({ seconds: 5, extra: true } as never),
        /unknown field "extra": allowed fields are seconds, status/,
      );
    });
  });
});
