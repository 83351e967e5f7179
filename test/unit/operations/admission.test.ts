// Bursts and outages in the domain, on the memory store and a manual clock: submissions are paced to the quota and
// served fairly, a submit Veo refused without starting anything waits and is retried (never FAILED for that), a
// submit that may have started is never sent again, and the breaker holds a failing model's line until a probe
// succeeds. Every operation ends with exactly one completion event.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { SubmitFailure } from '../../../functions/src/operations/ports.js';
import type { OperationsSettings } from '../../../functions/src/operations/index.js';
import type { OperationRecord } from '../../../functions/src/operations/record.js';
import { harness, SETTINGS, veoQuota, veoUnavailable } from './harness.js';

const SECOND = 1000;
const MODEL = 'veo-3.1-fast-generate-001';
const GATE = `vertex:${MODEL}`;

describe('bursts and outages', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  const withAdmission = (
    admission: Partial<OperationsSettings['admission']>,
    rest: Partial<OperationsSettings> = {},
  ) => {
    h = harness({ ...rest, admission: { ...SETTINGS.admission, ...admission } });
    return h;
  };
  const statusOf = async (id: string) => (await h.operations.get('p', id)).status;
  const get = (principal: string, id: string) => h.operations.get(principal, id);

  test('a burst is paced to the rate: three a minute go, the rest wait QUEUED with their place and estimated start', async () => {
    withAdmission({ submitsPerMinute: 3 });
    const started: OperationRecord[] = [];
    for (let i = 0; i < 7; i++) started.push((await h.start({ prompt: `fox ${i}` })).record);
    assert.deepEqual(
      started.map((r) => r.status),
      ['RUNNING', 'RUNNING', 'RUNNING', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED'],
    );
    assert.deepEqual(
      started.slice(3).map((r) => [r.waiting?.reason, r.waiting?.position]),
      [
        ['paced', 0],
        ['paced', 1],
        ['paced', 2],
        ['paced', 3],
      ],
    );
    const t0 = h.clock.now().getTime();
    const estimate = (i: number) => Date.parse(started[i]!.waiting!.estimatedStartAt!) - t0;
    assert.equal(estimate(3), 62 * SECOND, 'a minute after the first grant, plus the pacing margin');
    assert.equal(estimate(6), 124 * SECOND, 'the next minute');
    assert.equal((await h.operations.usage('p')).usage.running, 3, 'waiting ones hold no running slot');
    assert.equal(
      (await h.operations.usage('p')).usage.principalDaySeconds,
      56,
      'but all reserved their seconds',
    );

    await h.clock.advance(61 * SECOND);
    assert.equal(h.veo.accepted.length, 3, 'nothing before the minute is over');
    await h.clock.advance(2 * SECOND);
    assert.equal(h.veo.accepted.length, 6);
    // The second minute's grants went out up to a second late (the wake-ups' jitter): the third minute follows them.
    await h.clock.advance(64 * SECOND);
    assert.equal(h.veo.accepted.length, 7);
    assert.equal(h.veo.submits, 7, 'every submit went out once, none refused');
    for (const { name } of h.veo.accepted) h.veo.succeed(name, h.blobs);
    await h.clock.advance(10 * SECOND);
    for (const record of started) {
      assert.equal(await statusOf(record.id), 'SUCCEEDED');
      assert.equal(h.sink.eventsFor(record.id).length, 1);
    }
  });

  test('fairness: a principal that arrives after a burst is not served after all of it', async () => {
    withAdmission({ submitsPerMinute: 2 });
    const alice: OperationRecord[] = [];
    for (let i = 0; i < 5; i++) alice.push((await h.start({ principal: 'alice', prompt: `a${i}` })).record);
    const bob = (await h.start({ principal: 'bob', prompt: 'b0' })).record;
    assert.equal(bob.waiting?.position, 1, "second in line: after alice's next, before her other two");
    await h.clock.advance(63 * SECOND);
    assert.equal((await get('bob', bob.id)).status, 'RUNNING');
    assert.equal((await get('alice', alice[2]!.id)).status, 'RUNNING');
    assert.equal((await get('alice', alice[3]!.id)).status, 'QUEUED');
  });

  test('Veo 429 on a submit: the generation waits and is retried with backoff, never FAILED; one event', async () => {
    withAdmission({});
    h.veo.submitError = veoQuota();
    const { record } = await h.start();
    assert.equal(record.status, 'QUEUED');
    assert.equal(record.waiting?.reason, 'quota');
    assert.equal(record.waiting?.attempts, 1);
    assert.match(record.waiting!.lastError!, /429/);
    assert.equal(
      (await h.operations.usage('p')).usage.running,
      0,
      'the refused submit gave its running slot back',
    );
    const retryAt = Date.parse(record.nextPollAt!) - h.clock.now().getTime();
    assert.ok(
      retryAt >= 1 * SECOND - 1 && retryAt <= 2 * SECOND + 1,
      `first retry after 1-2 s with jitter, was ${retryAt} ms`,
    );
    await h.clock.advance(2 * SECOND);
    const running = await get('p', record.id);
    assert.equal(running.status, 'RUNNING');
    assert.equal(running.waiting, undefined);
    assert.equal(h.veo.accepted.length, 1);
    h.veo.succeed(h.veo.accepted[0]!.name, h.blobs);
    await h.clock.advance(10 * SECOND);
    assert.equal(await statusOf(record.id), 'SUCCEEDED');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('a submit that may have started (500, timeout) is never sent again: reconciled, then EXPIRED at the deadline', async () => {
    withAdmission({}, { operationDeadlineSeconds: 120 });
    h.veo.submitError = new SubmitFailure('UPSTREAM', 'Veo failed with HTTP 500', 'unknown', true);
    const { record } = await h.start();
    assert.equal(record.status, 'QUEUED');
    assert.equal(record.waiting, undefined, 'not waiting for a turn: waiting for the outputs');
    await h.clock.advance(200 * SECOND);
    assert.equal(h.veo.submits, 1, 'sent once');
    assert.equal(await statusOf(record.id), 'EXPIRED');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
  });

  test('an outage opens the breaker: new calls wait with the reason and since when; a probe closes it; nothing lost or sent twice', async () => {
    withAdmission({ breakerFailures: 2, breakerOpenSeconds: 30 });
    h.veo.down = veoUnavailable();
    const a = (await h.start({ prompt: 'a' })).record;
    const b = (await h.start({ prompt: 'b' })).record;
    assert.equal(a.waiting?.reason, 'unavailable');
    assert.equal(b.waiting?.reason, 'unavailable');
    const openedAt = h.clock.now().toISOString();
    assert.equal(a.waiting?.unavailableSince, undefined, 'one failure did not open it');
    assert.equal(b.waiting?.unavailableSince, openedAt, 'the failure that opened it says since when');
    const triedBefore = h.veo.submits;
    const c = (await h.start({ prompt: 'c' })).record;
    assert.equal(h.veo.submits, triedBefore, 'while open, a new call is not sent at all');
    assert.equal(c.status, 'QUEUED');
    assert.equal(c.waiting?.reason, 'unavailable');
    assert.equal(c.waiting?.unavailableSince, openedAt);
    const gate = await h.store.gate(GATE);
    assert.equal(gate.breaker.openedAt, Date.parse(openedAt));
    assert.equal(gate.line.length, 3);

    // Still down at the probe: it fails and the breaker stays open for twice as long.
    await h.clock.advance(31 * SECOND);
    assert.equal(h.veo.submits, triedBefore + 1, 'one probe');
    assert.equal((await h.store.gate(GATE)).breaker.openings, 2);
    h.veo.down = undefined;
    // The next probe is due 60 s after the failed one, give or take the wake-ups' jitter.
    await h.clock.advance(63 * SECOND);
    for (const record of [a, b, c]) assert.equal(await statusOf(record.id), 'RUNNING', record.request.prompt);
    assert.equal(h.veo.accepted.length, 3, 'each accepted exactly once');
    assert.equal((await h.store.gate(GATE)).breaker.openedAt, undefined, 'closed');
    for (const { name } of h.veo.accepted) h.veo.succeed(name, h.blobs);
    await h.clock.advance(10 * SECOND);
    for (const record of [a, b, c]) {
      assert.equal(await statusOf(record.id), 'SUCCEEDED');
      assert.equal(h.sink.eventsFor(record.id).length, 1);
    }
  });

  test('a generation that never gets its turn before the deadline ends EXPIRED, unbilled, seconds given back', async () => {
    withAdmission({ submitsPerMinute: 1 }, { operationDeadlineSeconds: 30 });
    await h.start({ prompt: 'first' });
    h.veo.succeed(h.veo.accepted[0]!.name, h.blobs);
    const { record } = await h.start({ prompt: 'second' });
    assert.equal(record.status, 'QUEUED');
    await h.clock.advance(70 * SECOND);
    const ended = await get('p', record.id);
    assert.equal(ended.status, 'EXPIRED');
    assert.match(ended.error!.message, /was never sent, so nothing was billed/);
    assert.equal(h.veo.submits, 1, 'never sent');
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    assert.equal((await h.store.gate(GATE)).line.length, 0, 'its place in line is gone');
    assert.equal(
      (await h.operations.usage('p')).usage.principalDaySeconds,
      8,
      'only the first one holds seconds',
    );
  });

  test('cancelling a waiting generation gives up its place; it is never sent', async () => {
    withAdmission({ submitsPerMinute: 1 });
    await h.start({ prompt: 'first' });
    const { record } = await h.start({ prompt: 'second' });
    const cancelled = await h.operations.cancel('p', record.id);
    assert.equal(cancelled.record.status, 'CANCELLED');
    assert.deepEqual([cancelled.cancelled, cancelled.billed], [true, false], 'never sent: not billed');
    assert.match(cancelled.record.error!.message, /before it was sent to the model: nothing was billed/);
    assert.equal((await h.operations.usage('p')).usage.principalDaySeconds, 8, 'its seconds came back');
    assert.equal((await h.store.gate(GATE)).line.length, 0);
    await h.clock.advance(120 * SECOND);
    assert.equal(h.veo.submits, 1);
    assert.equal(h.sink.eventsFor(record.id).length, 1);
    assert.equal((await h.operations.usage('p')).usage.running, 1, 'the cancelled one held no running slot');
  });

  test('an image given as bytes is kept while its generation waits, and sent as given when its turn comes', async () => {
    withAdmission({ submitsPerMinute: 1 });
    await h.start({ prompt: 'first' });
    const bytes = Buffer.from('not really a png, but bytes all the same');
    const { record } = await h.operations.start({
      principal: 'p',
      request: {
        model: MODEL,
        prompt: 'animate this',
        aspectRatio: '16:9',
        durationSeconds: 8,
        numberOfVideos: 1,
        image: { source: 'inline', mimeType: 'image/png', bytes: bytes.length },
      },
      inputs: {
        image: {
          reference: { source: 'inline', mimeType: 'image/png', bytes: bytes.length },
          base64: bytes.toString('base64'),
        },
      },
      estimatedCostUsd: 1.2,
    });
    assert.equal(record.status, 'QUEUED');
    const kept = (await get('p', record.id)).imageCopyUri;
    assert.equal(kept, `mem://${record.outputPrefix}input-image`);
    await h.clock.advance(63 * SECOND);
    assert.equal(h.veo.accepted.length, 2);
    assert.equal(h.veo.accepted[1]!.image?.base64, bytes.toString('base64'));
  });
});
