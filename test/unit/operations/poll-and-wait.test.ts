// Polls are hints: duplicates, late messages and concurrent waiters share one poll per slot. Starting is idempotent.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { harness } from './harness.js';

const SECOND = 1000;

describe('polls, waits and starts', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  test('50 concurrent starts with one idempotency key start exactly one Veo job; keys are per principal', async () => {
    h = harness();
    const results = await Promise.all(Array.from({ length: 50 }, () => h.start({ idempotencyKey: 'same' })));
    assert.equal(new Set(results.map((r) => r.record.id)).size, 1);
    assert.equal(results.filter((r) => r.started).length, 1);
    assert.equal(h.veo.submits, 1);
    const other = await h.start({ idempotencyKey: 'same', principal: 'bob' });
    assert.notEqual(other.record.id, results[0]!.record.id);
    await assert.rejects(h.operations.get('bob', results[0]!.record.id), { code: 'NOT_FOUND' });
    await assert.rejects(h.start({ idempotencyKey: 'same', prompt: 'another' }), {
      code: 'ALREADY_EXISTS',
      message: /Invalid idempotency_key: "same" was already used for operation .* with different arguments/,
    });
  });

  test('duplicate deliveries of one poll slot call Veo once, and a stale slot not at all', async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close(); // this test delivers the messages itself
    await h.clock.advance(10 * SECOND);
    const slot = record.nextPollAt;
    const effects = await Promise.all([
      h.operations.poll(record.id, slot),
      h.operations.poll(record.id, slot),
    ]);
    assert.deepEqual(effects.sort(), ['pending', 'pending']);
    assert.equal(h.veo.polls, 1, 'one Veo poll for the slot');
    const after = await h.operations.get('p', record.id);
    assert.ok(after.nextPollAt! > slot!, 'the next slot is arranged');
    assert.equal(after.pollCount, 1);
    assert.equal(await h.operations.poll(record.id, slot), 'pending', 'a late copy');
    assert.equal(h.veo.polls, 1, 'is dropped without a Veo call');
    assert.equal(await h.operations.poll('01aaaaaaaaaaaaaaaaaaaaaaaa'), 'unknown');
  });

  test('Veo poll errors back off, and a poll claimed by an instance that died is taken over later', async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close();
    await h.clock.advance(10 * SECOND);
    // An instance claims the slot and dies before recording anything: the record shows the claim.
    await h.store.update(record.id, (r) => ({
      ...r,
      nextPollAt: new Date(h.clock.now().getTime() + 60 * SECOND).toISOString(),
    }));
    assert.equal(await h.operations.poll(record.id, record.nextPollAt), 'pending');
    assert.equal(h.veo.polls, 0, 'the claimed slot is not polled twice');
    await h.clock.advance(91 * SECOND);
    assert.equal(await h.operations.sweep(), 1, 'the sweep finds the abandoned claim');
  });

  test('30 callers waiting on one operation poll Veo at most once per interval', async () => {
    h = harness();
    const { record } = await h.start();
    h.queue.close(); // no poller awake: the waiters have to poll
    const waits = Array.from({ length: 30 }, () => h.operations.wait('p', record.id, { maxMs: 90 * SECOND }));
    await h.clock.advance(55 * SECOND);
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(20 * SECOND);
    const results = await Promise.all(waits);
    for (const { record: done, waitedSeconds } of results) {
      assert.equal(done.status, 'SUCCEEDED');
      assert.ok(waitedSeconds >= 55 && waitedSeconds <= 75, `waited ${waitedSeconds}`);
    }
    // Slots at 10, 20, ..., 60 s: six polls however many callers wait.
    assert.equal(h.veo.polls, 6);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('a wait re-reads the record the poller updates, and ends at its bound or when the client leaves', async () => {
    h = harness();
    const { record } = await h.start();
    const ticks: number[] = [];
    const bounded = h.operations.wait('p', record.id, {
      maxMs: 5 * SECOND,
      onTick: async (elapsed) => {
        ticks.push(elapsed);
      },
    });
    await h.clock.advance(6 * SECOND);
    const result = await bounded;
    assert.equal(result.record.status, 'RUNNING');
    assert.equal(result.waitedSeconds, 5);
    assert.deepEqual(ticks, [1, 2, 3, 4, 5]);
    assert.equal(h.veo.polls, 0, 'nothing was due');

    const leaving = new AbortController();
    const aborted = h.operations.wait('p', record.id, { maxMs: 60 * SECOND, signal: leaving.signal });
    await h.clock.advance(2 * SECOND);
    leaving.abort();
    assert.equal((await aborted).waitedSeconds, 2);

    const finishing = h.operations.wait('p', record.id, { maxMs: 60 * SECOND });
    h.veo.succeed(record.veoOperationName!, h.blobs);
    await h.clock.advance(10 * SECOND); // the queue's poll at 10 s ends it; the waiter sees it on its next read
    assert.equal((await finishing).record.status, 'SUCCEEDED');
    assert.equal(h.veo.polls, 1);
  });

  test('ticks closer than a second report each whole second once: MCP progress must increase every time', async () => {
    h = harness();
    const { record } = await h.start();
    const often: number[] = [];
    const frequent = h.operations.wait('p', record.id, {
      maxMs: 2 * SECOND,
      tickMs: 300,
      onTick: async (elapsed) => {
        often.push(elapsed);
      },
    });
    await h.clock.advance(3 * SECOND);
    await frequent;
    // Ticks at 0.3, 0.6, ..., 2.0 s round to 0, 1, 1, 1, 2, 2, 2.
    assert.deepEqual(often, [0, 1, 2]);
  });
});
