// Every way an operation ends goes through one finishing path and publishes exactly one completion event,
// including the two paths that used to lose it (reconcile from outputs; a failed submit whose publish also failed).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { harness } from './harness.js';

const SECOND = 1000;

describe('every ending publishes exactly one completion event', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  test('a scheduled poll finds the generation done', async () => {
    h = harness();
    const { record } = await h.start();
    await h.clock.advance(5 * SECOND);
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(10 * SECOND);
    const done = await h.operations.get('p', record.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.outputs.length, 1);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    assert.ok(done.completionPublishedAt);
    assert.equal(done.nextPollAt, undefined, 'nothing left to do');
    // Duplicate and late deliveries of every kind change nothing.
    await h.operations.poll(record.id, record.nextPollAt);
    await h.operations.pollByVeoOperationName(record.veoOperationName!);
    await h.clock.advance(600 * SECOND);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    assert.equal(h.sink.eventsFor(record.id)[0]!.status, 'SUCCEEDED');
  });

  test("Veo's completion notice ends it before the scheduled poll, which then does nothing", async () => {
    h = harness();
    const { record } = await h.start();
    h.veo.succeed(record.veoOperationName!, h.blobs);
    assert.equal(await h.operations.pollByVeoOperationName(record.veoOperationName!), 'finished');
    const polls = h.veo.polls;
    await h.clock.advance(30 * SECOND);
    assert.equal(h.veo.polls, polls, 'the scheduled poll did not call Veo');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('Veo reports the generation failed', async () => {
    h = harness();
    const { record } = await h.start();
    h.veo.fail(record.veoOperationName!, 'internal error');
    await h.clock.advance(10 * SECOND);
    const [event] = h.sink.eventsFor(record.id);
    assert.equal(event?.status, 'FAILED');
    assert.equal(event?.error?.retryable, false);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('reconciled from outputs already in storage after the submit answer was lost', async () => {
    h = harness();
    h.veo.hangNextSubmit = true;
    void h.start(); // The instance "dies" with the submit in flight; Veo accepted and writes the video.
    await h.clock.advance(1);
    const [record] = (await h.operations.list({ principal: 'p', limit: 1 })).records;
    assert.equal(record?.status, 'QUEUED');
    const uri = `mem://${record!.outputPrefix}sample_0.mp4`;
    h.blobs.objects.set(uri, { uri, mimeType: 'video/mp4', bytes: 2048 });
    // Past the submit grace and the sweep grace, the sweep finds the record and the poll reconciles it.
    await h.clock.advance(91 * SECOND);
    assert.equal(await h.operations.sweep(), 1);
    await h.clock.advance(1);
    const done = await h.operations.get('p', record!.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(done.outputs, [{ uri, mimeType: 'video/mp4', bytes: 2048 }]);
    assert.equal(h.sink.eventsFor(record!.id).length, 1, 'the reconciled operation publishes its event');
    assert.equal(await h.operations.sweep(), 0, 'and leaves nothing due');
  });

  test("a failed submit whose event cannot be published returns Veo's error; the replay publishes the event once", async () => {
    h = harness();
    h.veo.submitError = new AppError(
      'INVALID_ARGUMENT',
      'Veo rejected the request (HTTP 400): bad prompt',
      false,
    );
    h.sink.failures = 1;
    await assert.rejects(h.start({ idempotencyKey: 'k1' }), (err: AppError) => {
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, /veo-3\.1-fast-generate-001 did not start the generation .*bad prompt/);
      assert.equal(err.retryable, false);
      return true;
    });
    const [record] = (await h.operations.list({ principal: 'p', limit: 1 })).records;
    assert.equal(record?.status, 'FAILED');
    assert.equal(h.sink.eventsFor(record!.id).length, 0);
    // The pipeline redelivers the request: the idempotent replay publishes the missing event, once.
    const replay = await h.start({ idempotencyKey: 'k1' });
    assert.equal(replay.started, false);
    assert.equal(replay.record.id, record!.id);
    await h.start({ idempotencyKey: 'k1' });
    assert.equal(h.sink.eventsFor(record!.id).length, 1);
    assert.equal(h.veo.submits, 1, 'and Veo was asked once');
  });

  test('a failed submit publishes its FAILED event at once when publishing works', async () => {
    h = harness();
    h.veo.submitError = new AppError('INVALID_ARGUMENT', 'prompt blocked', false);
    await assert.rejects(h.start(), { code: 'INVALID_ARGUMENT' });
    assert.equal(h.sink.completed_.length, 1);
    assert.equal(h.sink.completed_[0]!.record.status, 'FAILED');
  });

  test('the deadline passes', async () => {
    h = harness({ operationDeadlineSeconds: 120 });
    const { record } = await h.start();
    await h.clock.advance(130 * SECOND);
    const done = await h.operations.get('p', record.id);
    assert.equal(done.status, 'EXPIRED');
    assert.equal(done.error?.code, 'DEADLINE_EXCEEDED');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    await h.clock.advance(600 * SECOND);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('the caller cancels; a cancel of an ended operation changes nothing', async () => {
    h = harness();
    const { record } = await h.start();
    assert.equal((await h.operations.cancel('p', record.id)).record.status, 'CANCELLED');
    await h.operations.cancel('p', record.id);
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.operations.pollByVeoOperationName(record.veoOperationName!);
    await h.clock.advance(60 * SECOND);
    assert.equal((await h.operations.get('p', record.id)).status, 'CANCELLED');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    await assert.rejects(h.operations.cancel('someone-else', record.id), { code: 'NOT_FOUND' });
  });

  test('a publish that fails during a poll is retried by the redelivered message, and goes out once', async () => {
    h = harness();
    const { record } = await h.start();
    h.veo.succeed(record.veoOperationName!, h.blobs);
    h.sink.failures = 1;
    await h.clock.advance(10 * SECOND);
    assert.equal((await h.operations.get('p', record.id)).status, 'SUCCEEDED');
    assert.equal(h.sink.eventsFor(record.id).length, 0, 'the first publish failed');
    await h.clock.advance(2 * SECOND); // the in-process queue redelivers after 1 s
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    await h.clock.advance(60 * SECOND);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('the sweep publishes an event whose every delivery failed', async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close(); // Every poll message is lost: only the sweep is left.
    h.sink.failures = 1;
    await assert.rejects(h.operations.cancel('p', record.id), /completions topic unavailable/);
    assert.equal(h.sink.eventsFor(record.id).length, 0);
    assert.equal(await h.operations.sweep(), 0, 'not before the grace period');
    await h.clock.advance(31 * SECOND);
    assert.equal(await h.operations.sweep(), 1);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    await h.clock.advance(120 * SECOND);
    assert.equal(await h.operations.sweep(), 0);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('two instances ending the same operation at once publish one event', async () => {
    h = harness();
    const { record } = await h.start();
    h.veo.succeed(record.veoOperationName!, h.blobs);
    const effects = await Promise.all([
      h.operations.pollByVeoOperationName(record.veoOperationName!),
      h.operations.cancel('p', record.id),
      h.operations.poll(record.id, record.nextPollAt),
    ]);
    assert.ok(effects.length === 3);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });
});
