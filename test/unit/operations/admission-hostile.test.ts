// Hostile cases for bursts and outages (issue 16), on the memory store and a manual clock: failures that arrive
// late or out of order, parts that fail between two transactions, instances that die holding the probe, and the
// counters and events each of these must leave right. Each test says which rule it defends.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { SubmitFailure } from '../../../functions/src/operations/ports.js';
import { settle } from '../../helpers/manual-clock.js';
import {
  admissionHarness,
  harness,
  imageStartInput,
  HARNESS_GATE as GATE,
  SETTINGS,
  veoQuota as quota,
  veoUnavailable as unavailable,
} from './harness.js';

const SECOND = 1000;

describe('bursts and outages, hostile cases', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  // Every test starts with its own settings; the last one made is closed after it.
  const withAdmission = (...settings: Parameters<typeof admissionHarness>) =>
    (h = admissionHarness(...settings));
  const usage = async (principal = 'p') => (await h.operations.usage(principal)).usage;
  const startWithImage = (bytes: Buffer) => h.operations.start(imageStartInput(bytes));

  describe('breaker', () => {
    test('failures of submits sent before the breaker opened do not stretch the open period (only a failed probe doubles it)', async () => {
      withAdmission({ breakerFailures: 2, breakerOpenSeconds: 30 });
      // Six submits in flight at once, all failing after the breaker opened on the first two.
      let fail!: () => void;
      const failing = new Promise<void>((resolve) => (fail = resolve));
      h.veo.submit = async () => {
        h.veo.submits++;
        await failing;
        throw unavailable();
      };
      const starts = Array.from({ length: 6 }, (_, i) => h.start({ prompt: `burst ${i}` }));
      for (let i = 0; i < 50 && h.veo.submits < 6; i++) await settle();
      assert.equal(h.veo.submits, 6, 'all six were sent before any answer came');
      fail();
      await Promise.all(starts);
      const { breaker } = await h.store.gate(GATE);
      const now = h.clock.now().getTime();
      assert.equal(breaker.openedAt, now);
      assert.equal(breaker.openings, 1, 'one opening, not one per straggler');
      assert.equal(breaker.openUntil, now + 30 * SECOND, 'open for BREAKER_OPEN_SECONDS, not 16 times that');
    });

    test('429s never open the breaker, however many: they are the quota, not an outage', async () => {
      withAdmission({ breakerFailures: 2 });
      h.veo.down = quota();
      for (let i = 0; i < 5; i++) await h.start({ prompt: `q${i}` });
      const { breaker } = await h.store.gate(GATE);
      assert.equal(breaker.openedAt, undefined);
      assert.deepEqual(breaker.failures, []);
    });

    test('refused submits (4xx) fail their own operation only and never open the breaker', async () => {
      withAdmission({ breakerFailures: 1 });
      h.veo.submitError = new SubmitFailure(
        'INVALID_ARGUMENT',
        'Veo rejected the request (HTTP 400): bad prompt',
        'refused',
        false,
      );
      await assert.rejects(h.start({ prompt: 'bad' }), /recorded as FAILED/);
      const { breaker } = await h.store.gate(GATE);
      assert.equal(breaker.openedAt, undefined);
      const next = await h.start({ prompt: 'fine' });
      assert.equal(next.record.status, 'RUNNING');
    });

    test('a probe whose instance died is given up after a minute: the next in line probes, and the breaker closes', async () => {
      withAdmission({ breakerFailures: 1, breakerOpenSeconds: 30 });
      h.veo.down = unavailable();
      const a = (await h.start({ prompt: 'a' })).record;
      const b = (await h.start({ prompt: 'b' })).record;
      assert.equal((await h.store.gate(GATE)).breaker.openings, 1);
      h.veo.down = undefined;
      // The probe goes out and never answers (its instance died).
      h.veo.hangNextSubmit = true;
      await h.clock.advance(31 * SECOND);
      const probe = (await h.store.gate(GATE)).breaker.probe;
      assert.ok(probe, 'a probe is in flight');
      const submits = h.veo.submits;
      await h.clock.advance(20 * SECOND);
      assert.equal(h.veo.submits, submits, 'no second probe while the first may still answer');
      await h.clock.advance(45 * SECOND);
      assert.equal(h.veo.accepted.length, 1, 'after the probe lapsed, the next one probed and succeeded');
      assert.equal((await h.store.gate(GATE)).breaker.openedAt, undefined, 'closed');
      const statuses = await Promise.all([a, b].map(async (r) => (await h.operations.get('p', r.id)).status));
      assert.ok(statuses.includes('RUNNING'), `one runs: ${statuses.join(', ')}`);
    });
    test('a probe that Veo refuses (4xx) still shows Veo is answering: the next in line probes at once, not a minute later', async () => {
      withAdmission({ breakerFailures: 1, breakerOpenSeconds: 30 });
      h.veo.down = unavailable();
      await h.start({ prompt: 'bad request, probes first' });
      const next = (await h.start({ prompt: 'fine' })).record;
      h.veo.down = undefined;
      h.veo.submitError = new SubmitFailure(
        'INVALID_ARGUMENT',
        'Veo rejected the request (HTTP 400): bad prompt',
        'refused',
        false,
      );
      await h.clock.advance(40 * SECOND);
      assert.equal((await h.operations.get('p', next.id)).status, 'RUNNING', 'sent within 10 s of the probe');
    });
  });

  describe('counters', () => {
    test('429 retries and a cancel while waiting leave the running count at 0 and the seconds back', async () => {
      withAdmission({}, { limits: { ...SETTINGS.limits, maxRunning: 1 } });
      h.veo.down = quota();
      const { record } = await h.start({ prompt: 'x' });
      assert.equal(record.waiting?.reason, 'quota');
      assert.equal((await usage()).running, 0, 'a refused submit gives its slot back');
      await h.clock.advance(10 * SECOND);
      assert.ok(h.veo.submits >= 2, 'retried');
      assert.equal((await usage()).running, 0);
      await h.operations.cancel('p', record.id);
      assert.deepEqual(
        [(await usage()).running, (await usage()).principalDaySeconds],
        [0, 0],
        'never negative, seconds given back',
      );
      assert.equal((await h.store.gate(GATE)).line.length, 0);
      assert.equal(h.sink.eventsFor(record.id).length, 1);
    });

    test('at MAX_RUNNING, the next waits and goes when one ends; the count never passes the limit', async () => {
      withAdmission({}, { limits: { ...SETTINGS.limits, maxRunning: 2 } });
      const records = [];
      for (let i = 0; i < 4; i++) records.push((await h.start({ prompt: `r${i}` })).record);
      assert.deepEqual(
        records.map((r) => r.waiting?.reason ?? r.status),
        ['RUNNING', 'RUNNING', 'running-limit', 'running-limit'],
      );
      assert.equal((await usage()).running, 2);
      h.veo.succeed(h.veo.accepted[0]!.name, h.blobs);
      await h.clock.advance(20 * SECOND);
      assert.equal((await usage()).running, 2, 'one ended, one went');
      assert.equal(h.veo.accepted.length, 3);
      for (const { name } of h.veo.accepted) h.veo.succeed(name, h.blobs);
      await h.clock.advance(60 * SECOND);
      for (const { name } of h.veo.accepted) h.veo.succeed(name, h.blobs);
      await h.clock.advance(60 * SECOND);
      assert.equal(h.veo.accepted.length, 4, 'each sent once');
      assert.equal((await usage()).running, 0);
      for (const r of records) assert.equal(h.sink.eventsFor(r.id).length, 1, r.request.prompt);
    });

    test('an idempotent replay of a waiting generation joins nothing, reserves nothing and sends nothing', async () => {
      withAdmission({ submitsPerMinute: 1 });
      await h.start({ prompt: 'first' });
      const first = await h.start({ prompt: 'second', idempotencyKey: 'k' });
      const before = await usage();
      const again = await h.start({ prompt: 'second', idempotencyKey: 'k' });
      assert.equal(again.record.id, first.record.id);
      assert.equal(again.started, false);
      assert.deepEqual(await usage(), { ...before, callsThisMinute: before.callsThisMinute });
      assert.equal((await h.store.gate(GATE)).line.length, 1);
      assert.equal(h.veo.submits, 1);
    });
  });

  describe('wake-ups', () => {
    test('a generation accepted into line is not reported failed when asking for its turn fails: it stays QUEUED and is sent once', async () => {
      withAdmission({});
      // The record and its place in line are written; the transaction that asks for its turn fails (contention on
      // the gate document in a burst).
      const dispatch = h.store.dispatch.bind(h.store);
      h.store.dispatch = async () => {
        h.store.dispatch = dispatch;
        throw new Error('10 ABORTED: Too much contention on these documents');
      };
      const { record } = await h.start({ prompt: 'accepted' });
      assert.equal(record.status, 'QUEUED', 'the caller is told it was accepted, not that it failed');
      assert.equal(h.veo.submits, 0);
      await h.clock.advance(60 * SECOND);
      await h.operations.sweep(100);
      await h.clock.advance(1 * SECOND);
      assert.equal((await h.operations.get('p', record.id)).status, 'RUNNING');
      assert.equal(h.veo.submits, 1, 'sent once');
    });

    test('a waiting generation whose poll message is lost is brought back by the sweep and sent once', async () => {
      withAdmission({ submitsPerMinute: 1 });
      await h.start({ prompt: 'first' });
      // Every message from now on is lost.
      const enqueue = h.queue.enqueue.bind(h.queue);
      h.queue.enqueue = async () => {};
      const { record } = await h.start({ prompt: 'second' });
      assert.equal(record.status, 'QUEUED');
      await h.clock.advance(200 * SECOND);
      assert.equal(h.veo.submits, 1, 'nothing brings it back but the sweep');
      h.queue.enqueue = enqueue;
      await h.operations.sweep(100);
      await h.clock.advance(1 * SECOND);
      assert.equal((await h.operations.get('p', record.id)).status, 'RUNNING');
      assert.equal(h.veo.accepted.length, 2);
    });

    test('pacing never lets more than the rate into any 60 s window, under a burst from three principals', async () => {
      withAdmission({ submitsPerMinute: 4 });
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        ids.push((await h.start({ principal: `p${i % 3}`, prompt: `b${i}` })).record.id);
      }
      const sentAt: number[] = [];
      const submit = h.veo.submit.bind(h.veo);
      h.veo.submit = async (...args) => {
        sentAt.push(h.clock.now().getTime());
        return submit(...args);
      };
      for (let i = 0; i < 60; i++) await h.clock.advance(5 * SECOND);
      assert.equal(h.veo.accepted.length, 12, 'all sent');
      const all = [...Array(4).fill(0), ...sentAt];
      for (const t of sentAt) {
        const inWindow = sentAt.filter((s) => s > t - 60 * SECOND && s <= t).length;
        assert.ok(inWindow <= 4, `${inWindow} submits in the minute before ${t}`);
      }
      assert.equal(all.length, 12);
    });
  });

  describe('waiting input images', () => {
    test('a kept image that cannot be read right now is not a Veo outage, and the generation is tried again', async () => {
      withAdmission({ submitsPerMinute: 1, breakerFailures: 1 });
      await h.start({ prompt: 'first' });
      const bytes = Buffer.from('png bytes');
      const { record } = await startWithImage(bytes);
      assert.equal(record.status, 'QUEUED');
      const read = h.blobs.read.bind(h.blobs);
      h.blobs.read = async () => {
        h.blobs.read = read;
        throw new Error('storage: 503 Backend Error');
      };
      await h.clock.advance(63 * SECOND);
      assert.equal(h.veo.submits, 1, 'nothing reached Veo');
      const gate = await h.store.gate(GATE);
      assert.equal(gate.breaker.openedAt, undefined, 'a storage hiccup does not open the breaker for Veo');
      assert.deepEqual(gate.breaker.failures, []);
      const waiting = await h.operations.get('p', record.id);
      assert.equal(waiting.status, 'QUEUED');
      assert.ok(waiting.waiting, 'back in line, to be sent again (not left to reconcile: nothing was sent)');
      await h.clock.advance(70 * SECOND);
      assert.equal(h.veo.accepted.length, 2);
      assert.equal(h.veo.accepted[1]!.image?.base64, bytes.toString('base64'));
      assert.equal((await usage()).running, 2);
    });
  });

  describe('weak spots found in review, fixed', () => {
    test("when an open breaker's period ends, the line does not all ask for its turn at once (one gate transaction each)", async () => {
      withAdmission({ breakerFailures: 1, breakerOpenSeconds: 30 });
      h.veo.down = unavailable();
      for (let i = 0; i < 20; i++) await h.start({ principal: `p${i % 4}`, prompt: `w${i}` });
      await h.clock.advance(5 * SECOND);
      let asked = 0;
      const dispatch = h.store.dispatch.bind(h.store);
      h.store.dispatch = (...args) => {
        asked++;
        return dispatch(...args);
      };
      await h.clock.advance(27 * SECOND);
      assert.ok(asked <= 5, `${asked} dispatch transactions within 2 s of the probe time`);
    });

    test('a cancelled generation leaves the line in the transaction that ends it: no entry is left behind to hold the line', async () => {
      withAdmission({ submitsPerMinute: 1 });
      await h.start({ principal: 'p', prompt: 'first' });
      const stale = (await h.start({ principal: 'p', prompt: 'cancelled' })).record;
      const other = (await h.start({ principal: 'q', prompt: 'behind it' })).record;
      // A separate gate update would fail now (contention): the cancel needs none.
      const gate = h.store.gate.bind(h.store);
      h.store.gate = async () => {
        throw new Error('10 ABORTED: Too much contention on these documents');
      };
      await h.operations.cancel('p', stale.id);
      h.store.gate = gate;
      assert.deepEqual(
        (await h.store.gate(GATE)).line.map((e) => e.id),
        [other.id],
        'only the one behind it is left',
      );
      await h.clock.advance(130 * SECOND);
      assert.equal((await h.operations.get('q', other.id)).status, 'RUNNING', 'q goes within two minutes');
    });

    test('a generation that waited until just before its deadline is not sent only to be abandoned (billed) at it', async () => {
      withAdmission({ submitsPerMinute: 1 }, { operationDeadlineSeconds: 100 });
      await h.start({ prompt: 'first' });
      const late = (await h.start({ prompt: 'late' })).record;
      // Its turn comes 62 s after it arrived, leaving Veo 38 s of a 100 s deadline.
      await h.clock.advance(63 * SECOND);
      assert.equal(h.veo.accepted.length, 2, 'sent: from here on it is billed');
      await h.clock.advance(45 * SECOND);
      h.veo.succeed(h.veo.accepted[1]!.name, h.blobs);
      await h.clock.advance(20 * SECOND);
      const ended = await h.operations.get('p', late.id);
      assert.equal(ended.status, 'SUCCEEDED', `billed, then ${ended.status}: ${ended.error?.message}`);
    });
  });
});
