// Bursts and outages through MCP, with the real SDK client over HTTP and the simulator's outage switch: a failing
// model opens its breaker, list_video_models says so, a new call is accepted as QUEUED with the reason and since when,
// and once the model recovers every generation completes, each sent to Veo exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { finished, startTestServer, type TestServer, textOf, type View } from '../helpers/server.js';
import { WarpClock } from '../helpers/warp-clock.js';

/** The outage: long enough that no step below can outlast it; the test ends it by moving time past it. */
const OUTAGE_SECONDS = 60;

describe('bursts and outages over MCP', () => {
  let server: TestServer;
  let client: Client;
  // Real time, but the test moves it past the outage at once: the server (its breaker, its retries) and the
  // simulator (its outage) read this clock.
  const clock = new WarpClock();

  before(async () => {
    server = await startTestServer({
      // The breaker stays open longer than any step below takes (a probe during them would reach the simulator).
      env: { BREAKER_FAILURES: '2', BREAKER_OPEN_SECONDS: '30', BREAKER_WINDOW_SECONDS: '60' },
      clock,
      simulator: { now: clock.epochMs },
    });
    client = await server.connect();
    // One generation first, so the Veo SDK is loaded and the outage below meets the submits, not the SDK's loading.
    const warm = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'warm up' },
    })) as CallToolResult;
    await finished(server, (warm.structuredContent as View)['operation_id'] as string);
  });
  after(() => server.close());

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const model = async () => {
    const listed = await call('list_video_models');
    const { models, default_model } = listed.structuredContent as View;
    return { text: textOf(listed), model: (models as View[]).find((m) => m['id'] === default_model)! };
  };

  test('an outage opens the breaker; new calls wait with a clear answer; all complete after recovery, each sent once', async () => {
    const before = await model();
    assert.equal(before.model.availability.state, 'available');
    const acceptedBefore = server.simulator.stats.submits;

    server.simulator.outage({ seconds: OUTAGE_SECONDS, status: 503 });
    const first = (await call('generate_video', { prompt: 'a heron', duration_seconds: 4 }))
      .structuredContent as View;
    const second = (await call('generate_video', { prompt: 'a crane', duration_seconds: 4 }))
      .structuredContent as View;
    for (const view of [first, second]) {
      assert.equal(view.status, 'QUEUED');
      assert.equal(view.queue.reason, 'unavailable');
      assert.match(view.queue.last_error, /503/);
    }

    const during = await model();
    assert.equal(during.model.availability.state, 'unavailable');
    assert.match(during.model.availability.last_error, /503.*currently unavailable/);
    assert.match(during.text, /UNAVAILABLE since \d{4}-/);
    const since = during.model.availability.unavailable_since as string;

    const refusalsBefore = server.simulator.stats.outageRefusals;
    const third = await call('generate_video', { prompt: 'an ibis', duration_seconds: 4 });
    const view = third.structuredContent as View;
    assert.equal(third.isError, undefined);
    assert.equal(view.status, 'QUEUED');
    assert.equal(view.queue.reason, 'unavailable');
    assert.equal(view.queue.unavailable_since, since);
    assert.match(textOf(third), new RegExp(`the model is failing at Veo.*unavailable since ${since}`));
    assert.match(textOf(third), /Nothing has been sent or billed yet/);
    assert.equal(
      server.simulator.stats.outageRefusals,
      refusalsBefore,
      'while open, the new call was not sent',
    );

    const ids = [first.operation_id, second.operation_id, view.operation_id] as string[];
    const ends = Promise.all(ids.map((id) => finished(server, id)));
    // The outage ends: time moves past it (and past the breaker's open period), waking the retries due by then.
    clock.jump(OUTAGE_SECONDS * 1000);
    const statuses = await ends;
    assert.deepEqual(statuses, ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    assert.equal(
      server.simulator.stats.submits - acceptedBefore,
      3,
      'Veo accepted each generation exactly once',
    );
    assert.equal((await model()).model.availability.state, 'available', 'the probe closed the breaker');
  });
});
