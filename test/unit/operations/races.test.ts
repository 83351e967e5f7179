// Interleavings found by a hostile review: each must keep one event per operation, one Veo poll per slot, and
// never discard a video Veo finished.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { Operations } from '../../../functions/src/operations/index.js';
import type { OperationRecord } from '../../../functions/src/operations/record.js';
import { harness, SETTINGS } from './harness.js';

const SECOND = 1000;

describe('races and partial failures', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  test('a generation Veo finished just before the deadline is collected, not expired', async () => {
    h = harness({ operationDeadlineSeconds: 115 });
    const { record } = await h.start();
    await h.clock.advance(112 * SECOND); // polls at 10 … 110 s: not done
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(10 * SECOND); // the 120 s poll is past the deadline, but Veo is asked first
    assert.equal((await h.operations.get('p', record.id)).status, 'SUCCEEDED');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test("Veo's completion notice arriving after the deadline still collects the video", async () => {
    h = harness({ operationDeadlineSeconds: 115 });
    const { record } = await h.start();
    await h.clock.advance(112 * SECOND);
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(4 * SECOND);
    await h.operations.pollByVeoOperationName(record.veoOperationName!);
    assert.equal((await h.operations.get('p', record.id)).status, 'SUCCEEDED');
  });

  test('a publish that hangs past its timeout gives the lease back, and the event goes out once', async () => {
    h = harness();
    const { record } = await h.start();
    const publish = h.sink.completed.bind(h.sink);
    let hang = true;
    h.sink.completed = async (r: OperationRecord, videos) => {
      if (hang) {
        hang = false;
        return new Promise<void>(() => {}); // a connection that never answers
      }
      return publish(r, videos);
    };
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(10 * SECOND);
    assert.equal(h.sink.eventsFor(record.id).length, 0);
    await h.clock.advance(45 * SECOND); // the 40 s publish timeout, then the queue redelivers
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    await h.clock.advance(120 * SECOND);
    assert.equal(await h.operations.sweep(), 0);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('a store transaction re-run on its own committed claim still polls the slot', async () => {
    h = harness();
    const { record } = await h.start();
    // Firestore: the commit was applied, the client saw UNAVAILABLE, runTransaction re-runs the mutator.
    const update = h.store.update.bind(h.store);
    let ambiguous = true;
    h.store.update = async (id, mutate) => {
      const out = await update(id, mutate);
      if (!ambiguous) return out;
      ambiguous = false;
      return update(id, mutate);
    };
    await h.clock.advance(10 * SECOND);
    assert.equal(h.veo.polls, 1, 'the 10 s slot was polled');
    assert.ok(
      (await h.operations.get('p', record.id)).nextPollAt! > record.nextPollAt!,
      'and the next one arranged',
    );
  });

  test('a poll that loses the race to an ending whose publish failed publishes that event', async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close();
    await h.clock.advance(10 * SECOND);
    const update = h.store.update.bind(h.store);
    let once = true;
    h.store.update = async (id, mutate) => {
      if (once) {
        // Just before this poll's claim, another instance cancels the operation, and its publish fails.
        once = false;
        h.sink.failures = 1;
        await h.operations.cancel('p', id).catch(() => undefined);
      }
      return update(id, mutate);
    };
    assert.equal(await h.operations.poll(record.id, record.nextPollAt), 'terminal');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('a failed submit whose record cannot be ended reports the store failure, not "recorded as FAILED"', async () => {
    h = harness();
    h.veo.submitError = new AppError('INVALID_ARGUMENT', 'prompt blocked', false);
    const update = h.store.update.bind(h.store);
    let fail = true;
    h.store.update = async (id, mutate) => {
      if (fail) {
        fail = false;
        throw new Error('firestore UNAVAILABLE');
      }
      return update(id, mutate);
    };
    await assert.rejects(h.start(), /firestore UNAVAILABLE/);
  });

  test("Veo's notice on another instance does not poll a slot this instance holds", async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close();
    const other = new Operations({ ...h, completions: h.sink, settings: SETTINGS, clock: h.clock });
    const poll = h.veo.poll.bind(h.veo);
    h.veo.poll = async (name) => {
      await h.clock.sleep(5 * SECOND); // a slow Veo answer
      return poll(name);
    };
    await h.clock.advance(10 * SECOND);
    const scheduled = h.operations.poll(record.id, record.nextPollAt); // this instance claims the 10 s slot
    await h.clock.advance(1 * SECOND);
    h.veo.succeed(record.veoOperationName!, h.blobs);
    const notices = [
      other.pollByVeoOperationName(record.veoOperationName!),
      other.pollByVeoOperationName(record.veoOperationName!),
    ];
    await h.clock.advance(20 * SECOND);
    await Promise.all([scheduled, ...notices]);
    assert.equal(h.veo.polls, 1, 'one Veo poll in the slot');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });
});
