// Event-driven pipelines on the emulators: requests arrive on the requests topic (pushed to the `requests` function),
// polls on the poll topic (pushed to the `poller`), and completion events leave on the completions topic.
// The same pipeline under a hundred requests is `npm run bench`'s load run (test/bench/pipelines-load.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { emulatorSkip, useEmulators, type Emulators } from '../helpers/emulators.js';
import { PIPELINE_PRINCIPAL, runCatalog, startPipelines, type Pipelines } from '../helpers/pipelines.js';

const BUCKET = 'veo-pipelines';
const REQUESTS = 10;

describe('pipelines: requests topic in, completions topic out', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let pipelines: Pipelines;

  before(async () => {
    emulators = await useEmulators();
    pipelines = await startPipelines(emulators, { bucket: BUCKET });
  });

  after(async () => {
    await pipelines?.close();
    await emulators?.stop();
  });

  test(`${REQUESTS} requests delivered 1-5 times each start exactly ${REQUESTS} Veo jobs and ${REQUESTS} completion events`, async () => {
    const run = await runCatalog(pipelines, REQUESTS);

    assert.equal(run.submits, REQUESTS, `exactly ${REQUESTS} Veo submissions`);
    assert.equal(run.started, REQUESTS);
    assert.equal(run.duplicate, run.published - REQUESTS, 'every other delivery is a duplicate');
    assert.equal(run.completionPublishes, REQUESTS, `exactly ${REQUESTS} completion events published`);
    assert.equal(run.completed.length, REQUESTS, `exactly ${REQUESTS} completion events received`);
    assert.equal(new Set(run.completed.map((e) => e.event_id)).size, REQUESTS, 'unique event ids');
    assert.equal(new Set(run.completed.map((e) => e.operation_id)).size, REQUESTS, 'unique operations');
    assert.equal(new Set(run.completed.map((e) => e.request_id)).size, REQUESTS, 'one per request');
    for (const event of run.completed) {
      const i = Number(event.request_id!.replace('catalog-item-', ''));
      assert.equal(event.status, 'SUCCEEDED');
      assert.deepEqual(event.correlation, { sku: `SKU-${i}`, batch: 'nightly-42' });
      assert.equal(event.videos.length, 1);
      assert.match(event.videos[0]!.uri, new RegExp(`^gs://${BUCKET}/videos/`));
      assert.match(event.videos[0]!.url, /X-Goog-Signature=/);
      const record = await pipelines.runtime.operations.get(PIPELINE_PRINCIPAL, event.operation_id!);
      assert.equal(record.idempotencyKey, event.request_id);
    }
  });

  test('an invalid message is recorded with its reason, never retried, and never reaches Veo', async () => {
    const { simulator, events, deliveries } = pipelines;
    const submits = simulator.stats.submits;
    const rejectedBefore = deliveries.rejected;
    const totalBefore = deliveries.total;
    const eventsBefore = events.length;
    await pipelines.publishRequest('{"request_id": "broken", ');
    await pipelines.publishRequest({ prompt: 'no request id' });
    await pipelines.publishRequest({
      request_id: 'bad-model',
      prompt: 'x',
      model: 'veo-99',
      correlation: { sku: 'SKU-X' },
    });
    // The handler publishes each rejection before it returns, and the counter moves when it returns: wait for both.
    await pipelines.until(
      '3 rejections, received and counted',
      () => events.length >= eventsBefore + 3 && deliveries.total >= totalBefore + 3,
    );
    const rejected = events.slice(eventsBefore);
    assert.ok(rejected.every((e) => e.type === 'request.rejected' && e.status === 'REJECTED'));
    const reasons = rejected.map((e) => e.error!.message).join('\n');
    assert.match(reasons, /not valid JSON/);
    assert.match(reasons, /request_id: /);
    assert.match(reasons, /Invalid model: "veo-99"/);
    assert.deepEqual(rejected.find((e) => e.request_id === 'bad-model')!.correlation, { sku: 'SKU-X' });
    assert.equal(deliveries.rejected - rejectedBefore, 3);
    assert.equal(deliveries.total - totalBefore, 3, 'each delivered once: acknowledged, not retried');
    assert.equal(simulator.stats.submits, submits, 'Veo was never called');
  });
});
