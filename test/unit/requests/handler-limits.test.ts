// Spend limits on the pipeline path: a request over a limit is acknowledged with a `request.rejected` event naming
// the limit (never redelivered, never sent to Veo, nothing recorded or reserved), and a redelivered request that
// already started is a duplicate, not a second reservation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfig } from '../../../functions/src/config/index.js';
import type { PubSubMessageData } from '../../../functions/src/poller/handler.js';
import type { CompletionEvent } from '../../../functions/src/queue/completion-event.js';
import { InProcessCompletionSink } from '../../../functions/src/queue/inprocess.js';
import { createRequestsHandler } from '../../../functions/src/requests/handler.js';
import { createRuntime, type Runtime } from '../../../functions/src/runtime.js';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';

const TOPIC = 'veo-requests';
let messages = 0;

/** A Pub/Sub push of `body` on the requests topic, as Eventarc delivers it. */
function delivery(body: object, messageId = `m-${++messages}`): CloudEvent<PubSubMessageData> {
  return {
    specversion: '1.0',
    id: messageId,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: `//pubsub.googleapis.com/projects/demo/topics/${TOPIC}`,
    data: {
      message: { data: Buffer.from(JSON.stringify(body)).toString('base64'), messageId },
      subscription: `projects/demo/subscriptions/${TOPIC}-sub`,
    },
  } as CloudEvent<PubSubMessageData>;
}

describe('spend limits on the pipeline path', () => {
  let simulator: VeoSimulator;
  let simulatorUrl: string;
  const runtimes: Runtime[] = [];

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 3600 });
    simulatorUrl = await simulator.listen(0);
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.close();
    await simulator.close();
  });

  async function pipeline(env: Record<string, string>) {
    const runtime = await createRuntime(
      loadConfig({
        VEO_BACKEND: 'simulator',
        VEO_BASE_URL: simulatorUrl,
        LOG_LEVEL: 'error',
        PIPELINE_PRINCIPAL: 'pipeline',
        ...env,
      }),
    );
    runtimes.push(runtime);
    const events: CompletionEvent[] = [];
    (runtime.completions as InProcessCompletionSink).subscribe((event) => events.push(event));
    const handle = createRequestsHandler(async () => runtime);
    const state = async () => ({
      records: (await runtime.operations.list({ principal: 'pipeline', limit: 100 })).records.length,
      usage: (await runtime.operations.usage('pipeline')).usage,
      submits: simulator.stats.submits,
    });
    return { runtime, events, handle, state };
  }

  const request = (id: string) => ({
    request_id: id,
    prompt: `catalog item ${id}`,
    duration_seconds: 8,
    correlation: { sku: id },
  });

  test('a request over the daily limit is rejected with an event naming the limit; nothing is created', async () => {
    const p = await pipeline({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8' });
    assert.equal(await p.handle(delivery(request('a'))), 'started');
    const before = await p.state();
    assert.equal(await p.handle(delivery(request('b'), 'msg-b')), 'rejected');
    const [event] = p.events.filter((e) => e.type === 'request.rejected');
    assert.ok(event, 'a rejection event');
    assert.equal(event.event_id, 'rejected:msg-b');
    assert.equal(event.request_id, 'b');
    assert.equal(event.status, 'REJECTED');
    assert.deepEqual(event.correlation, { sku: 'b' });
    assert.equal(event.error!.code, 'LIMIT_EXCEEDED');
    assert.equal(event.error!.retryable, false);
    assert.match(
      event.error!.message,
      /^DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started 8 of 8 seconds of video today \(UTC\); this request needs 8 s \(8 s × 1 video, about \$1\.20 at list price\)\. The limit resets at \d{4}-\d\d-\d\dT00:00:00\.000Z \(midnight UTC\)\.$/,
    );
    assert.deepEqual(await p.state(), before, 'no record, no reservation, no Veo submit');
  });

  test('a redelivered request that already started is a duplicate: no second reservation, even when spent', async () => {
    const p = await pipeline({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8' });
    assert.equal(await p.handle(delivery(request('once'))), 'started');
    const before = await p.state();
    assert.equal(await p.handle(delivery(request('once'))), 'duplicate');
    assert.deepEqual(await p.state(), before);
    assert.equal(p.events.filter((e) => e.type === 'request.rejected').length, 0);
  });

  test("the pipeline principal's override lets it start more than the default", async () => {
    const p = await pipeline({
      DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8',
      PRINCIPAL_DAILY_VIDEO_SECONDS: 'pipeline=16',
    });
    assert.equal(await p.handle(delivery(request('x1'))), 'started');
    assert.equal(await p.handle(delivery(request('x2'))), 'started');
    assert.equal(await p.handle(delivery(request('x3'))), 'rejected');
    assert.match(p.events.at(-1)!.error!.message, /^DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: .* 16 of 16 /);
  });

  test('the line limit and the total limit reject pipeline requests the same way', async () => {
    // One at Veo (the running limit), one waiting in line (the line limit): the third is rejected.
    const running = await pipeline({
      MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '1',
      MAX_QUEUED_OPERATIONS_PER_PRINCIPAL: '1',
    });
    assert.equal(await running.handle(delivery(request('r1'))), 'started');
    assert.equal(await running.handle(delivery(request('r2'))), 'started', 'accepted to wait in line');
    const before = await running.state();
    assert.equal(await running.handle(delivery(request('r3'))), 'rejected');
    assert.match(
      running.events.at(-1)!.error!.message,
      /^MAX_QUEUED_OPERATIONS_PER_PRINCIPAL reached: 1 of your generations with veo-[\w.-]+ are waiting/,
    );
    assert.deepEqual(await running.state(), before);

    const total = await pipeline({ DAILY_VIDEO_SECONDS_TOTAL: '8' });
    assert.equal(await total.handle(delivery(request('t1'))), 'started');
    assert.equal(await total.handle(delivery(request('t2'))), 'rejected');
    assert.match(total.events.at(-1)!.error!.message, /^DAILY_VIDEO_SECONDS_TOTAL reached: /);
  });
});
