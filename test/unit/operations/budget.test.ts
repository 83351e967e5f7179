// Spend limits in the domain, on the memory store and a manual clock: every refusal names its setting, the use, the
// request's cost and the reset time, and leaves nothing behind (no record, no Veo submit, no reservation); seconds
// come back exactly once when an operation ends without output, and never for one that delivered.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { AppError, ERROR_POLICY, pubsubDisposition } from '../../../functions/src/errors.js';
import {
  admitCall,
  admitStart,
  dailyLimitOf,
  dayResetsAt,
  LimitExceededError,
  minuteResetsAt,
  releaseOnEnding,
  utcDay,
  utcMinute,
  videoSecondsOf,
  type SpendLimits,
} from '../../../functions/src/operations/budget.js';
import type { OperationRecord, VideoRequest } from '../../../functions/src/operations/record.js';
import { harness, SETTINGS } from './harness.js';

const SECOND = 1000;
const UNLIMITED = SETTINGS.limits;
const limits = (overrides: Partial<SpendLimits>): SpendLimits => ({ ...UNLIMITED, ...overrides });

const REQUEST: VideoRequest = {
  model: 'veo-3.1-fast-generate-001',
  prompt: 'a fox',
  aspectRatio: '16:9',
  durationSeconds: 8,
  numberOfVideos: 1,
};

describe('spend limits', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());

  /** A harness under `overrides`, with helpers to start a request and read usage. */
  function withLimits(overrides: Partial<SpendLimits>, settings: Partial<typeof SETTINGS> = {}) {
    h = harness({ ...settings, limits: limits(overrides) });
    const start = (
      options: {
        principal?: string;
        durationSeconds?: number;
        numberOfVideos?: number;
        idempotencyKey?: string;
        prompt?: string;
      } = {},
    ) =>
      h.operations.start({
        principal: options.principal ?? 'p',
        request: {
          ...REQUEST,
          prompt: options.prompt ?? REQUEST.prompt,
          durationSeconds: options.durationSeconds ?? 8,
          numberOfVideos: options.numberOfVideos ?? 1,
        },
        idempotencyKey: options.idempotencyKey,
        estimatedCostUsd: 1.2 * (options.numberOfVideos ?? 1),
      });
    const usage = async (principal = 'p') => (await h.operations.usage(principal)).usage;
    const records = async (principal = 'p') =>
      (await h.operations.list({ principal, limit: 100 })).records.length;
    return { start, usage, records };
  }

  /** Asserts a refusal: its code, its setting, and that nothing was created, submitted or reserved. */
  async function refused(
    attempt: Promise<unknown>,
    expect: { setting: string; message?: string | RegExp },
    state: { usage: () => Promise<unknown>; records: () => Promise<number> },
  ) {
    const [usageBefore, recordsBefore, submitsBefore] = [
      await state.usage(),
      await state.records(),
      h.veo.submits,
    ];
    await assert.rejects(attempt, (err: unknown) => {
      assert.ok(err instanceof LimitExceededError, String(err));
      assert.equal(err.code, 'LIMIT_EXCEEDED');
      assert.equal(err.setting, expect.setting);
      if (typeof expect.message === 'string') assert.equal(err.message, expect.message);
      else if (expect.message) assert.match(err.message, expect.message);
      return true;
    });
    assert.deepEqual(await state.usage(), usageBefore, 'no reservation');
    assert.equal(await state.records(), recordsBefore, 'no record');
    assert.equal(h.veo.submits, submitsBefore, 'no Veo submit');
  }

  test('the per-principal daily limit is reached exactly: ten 8 s starts fit in 80 s, the eleventh is refused', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 80 });
    for (let i = 0; i < 10; i++) await s.start();
    assert.equal((await s.usage()).principalDaySeconds, 80);
    await refused(
      s.start(),
      {
        setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
        message:
          'DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started 80 of 80 seconds of video today (UTC); ' +
          'this request needs 8 s (8 s × 1 video, about $1.20 at list price). ' +
          'The limit resets at 2026-12-02T00:00:00.000Z (midnight UTC).',
      },
      s,
    );
    assert.equal(h.veo.submits, 10);
  });

  test('a request that would cross the limit is refused even when some seconds are left', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 20 });
    await s.start({ durationSeconds: 8 });
    await s.start({ durationSeconds: 8 });
    await refused(
      s.start({ durationSeconds: 8 }),
      { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL', message: /started 16 of 20 seconds.*needs 8 s/ },
      s,
    );
    await s.start({ durationSeconds: 4 }); // 4 s still fit: exactly 20.
    assert.equal((await s.usage()).principalDaySeconds, 20);
  });

  test('several videos cost duration × number of videos', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 40 });
    await s.start({ durationSeconds: 8, numberOfVideos: 4 });
    assert.equal((await s.usage()).principalDaySeconds, 32);
    await refused(
      s.start({ durationSeconds: 4, numberOfVideos: 3 }),
      {
        setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
        message:
          /started 32 of 40 seconds.*this request needs 12 s \(4 s × 3 videos, about \$3\.60 at list price\)/,
      },
      s,
    );
  });

  test('one principal at its limit does not hold back another', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 8 });
    await s.start({ principal: 'alice' });
    await refused(
      s.start({ principal: 'alice' }),
      { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' },
      { usage: () => s.usage('alice'), records: () => s.records('alice') },
    );
    const bob = await s.start({ principal: 'bob' });
    assert.equal(bob.started, true);
  });

  test('the total daily limit holds across principals and names the deployment', async () => {
    const s = withLimits({ dailySecondsTotal: 24 });
    await s.start({ principal: 'a' });
    await s.start({ principal: 'b' });
    await s.start({ principal: 'c' });
    await refused(
      s.start({ principal: 'd' }),
      {
        setting: 'DAILY_VIDEO_SECONDS_TOTAL',
        message:
          'DAILY_VIDEO_SECONDS_TOTAL reached: this deployment has started 24 of 24 seconds of video today (UTC), ' +
          'all callers together; this request needs 8 s (8 s × 1 video, about $1.20 at list price). ' +
          'The limit resets at 2026-12-02T00:00:00.000Z (midnight UTC).',
      },
      { usage: () => s.usage('d'), records: () => s.records('d') },
    );
    assert.equal((await s.usage('d')).totalDaySeconds, 24);
  });

  test('an override raises one principal above the default and leaves the others at it', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 8, dailySecondsByPrincipal: { pipeline: 24 } });
    for (let i = 0; i < 3; i++) await s.start({ principal: 'pipeline' });
    await refused(
      s.start({ principal: 'pipeline' }),
      { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL', message: /started 24 of 24 seconds/ },
      { usage: () => s.usage('pipeline'), records: () => s.records('pipeline') },
    );
    await s.start({ principal: 'key:bob' });
    await refused(
      s.start({ principal: 'key:bob' }),
      { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL', message: /started 8 of 8 seconds/ },
      { usage: () => s.usage('key:bob'), records: () => s.records('key:bob') },
    );
  });

  test('an override can lower one principal below the default', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 800, dailySecondsByPrincipal: { 'key:alice': 4 } });
    await refused(
      s.start({ principal: 'key:alice', durationSeconds: 8 }),
      { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL', message: /started 0 of 4 seconds/ },
      { usage: () => s.usage('key:alice'), records: () => s.records('key:alice') },
    );
  });

  test("the running limit holds an operation in line, not refused, until one of the principal's ends", async () => {
    const s = withLimits({ maxRunning: 2 });
    const first = await s.start();
    await s.start();
    const third = await s.start();
    assert.equal(third.started, true, 'accepted');
    assert.equal(third.record.status, 'QUEUED');
    assert.equal(third.record.waiting?.reason, 'running-limit');
    assert.equal(h.veo.submits, 2, 'not sent to Veo');
    assert.deepEqual(await s.usage(), {
      principalDaySeconds: 24,
      totalDaySeconds: 24,
      running: 2,
      callsThisMinute: 0,
    });
    h.veo.succeed(first.record.veoOperationName!, h.blobs);
    await h.clock.advance(10 * SECOND);
    assert.equal((await h.operations.get('p', first.record.id)).status, 'SUCCEEDED');
    const sent = await h.operations.get('p', third.record.id);
    assert.equal(sent.status, 'RUNNING', 'sent once a running slot freed up');
    assert.equal(sent.waiting, undefined);
    assert.equal(h.veo.submits, 3);
    assert.equal((await s.usage()).running, 2);
  });

  test('the line limit refuses beyond it, names MAX_QUEUED_OPERATIONS_PER_PRINCIPAL, and changes nothing', async () => {
    const s = withLimits(
      { maxRunning: 1 },
      { admission: { ...SETTINGS.admission, maxQueuedPerPrincipal: 2 } },
    );
    await s.start(); // at Veo
    await s.start(); // waits: running limit
    await s.start(); // waits
    await refused(
      s.start(),
      {
        setting: 'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL',
        message:
          'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL reached: 2 of your generations with veo-3.1-fast-generate-001 are ' +
          'waiting for their turn at Veo (limit 2); this request would wait too. The limit frees up as they start ' +
          '(list_video_operations with status QUEUED shows them); it has no fixed reset time.',
      },
      s,
    );
    const other = await s.start({ principal: 'q' });
    assert.equal(other.record.status, 'RUNNING', "another principal's line is its own");
  });

  test('an idempotent replay reserves nothing again, and still answers once the budget is spent', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 16 });
    const first = await s.start({ idempotencyKey: 'k1' });
    const replay = await s.start({ idempotencyKey: 'k1' });
    assert.equal(replay.started, false);
    assert.equal(replay.record.id, first.record.id);
    assert.deepEqual(await s.usage(), {
      principalDaySeconds: 8,
      totalDaySeconds: 8,
      running: 1,
      callsThisMinute: 0,
    });
    await s.start({ idempotencyKey: 'k2' });
    // Spent: a new request is refused, the replay of an old one is not.
    await refused(s.start({ idempotencyKey: 'k3' }), { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' }, s);
    const again = await s.start({ idempotencyKey: 'k1' });
    assert.equal(again.record.id, first.record.id);
    assert.equal((await s.usage()).principalDaySeconds, 16);
    assert.equal(h.veo.submits, 2);
  });

  test('a refused request leaves its idempotency key free for a later try', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 8 });
    const first = await s.start({ idempotencyKey: 'a' });
    await refused(s.start({ idempotencyKey: 'b' }), { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' }, s);
    h.veo.fail(first.record.veoOperationName!, 'boom'); // Gives its 8 s back.
    await h.clock.advance(10 * SECOND);
    const retried = await s.start({ idempotencyKey: 'b' });
    assert.equal(retried.started, true, 'the key was not taken by the refusal');
  });

  test('concurrent starts on the memory store never go over the limit', async () => {
    const s = withLimits({ dailySecondsPerPrincipal: 80 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => s.start({ prompt: `fox ${i}` })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
    assert.ok(
      results.every((r) => r.status === 'fulfilled' || r.reason instanceof LimitExceededError),
      'every other start is a limit refusal',
    );
    assert.equal(await s.records(), 10);
    assert.equal(h.veo.submits, 10);
    assert.equal((await s.usage()).principalDaySeconds, 80);
  });

  describe('what an ending gives back', () => {
    async function ended(
      status: string,
      end: (record: OperationRecord) => Promise<void>,
      settings: Partial<typeof SETTINGS> = {},
    ) {
      const s = withLimits({ dailySecondsPerPrincipal: 16 }, settings);
      const { record } = await s.start({ durationSeconds: 8, numberOfVideos: 2 });
      assert.deepEqual(await s.usage(), {
        principalDaySeconds: 16,
        totalDaySeconds: 16,
        running: 1,
        callsThisMinute: 0,
      });
      await end(record);
      const done = await h.operations.get('p', record.id);
      assert.equal(done.status, status);
      return { s, done };
    }

    const released = { principalDaySeconds: 0, totalDaySeconds: 0, running: 0, callsThisMinute: 0 };

    test('FAILED without output gives back the seconds and the running slot', async () => {
      const { s } = await ended('FAILED', async (record) => {
        h.veo.fail(record.veoOperationName!, 'internal error');
        await h.clock.advance(10 * SECOND);
      });
      assert.deepEqual(await s.usage(), released);
      assert.equal((await s.start({ durationSeconds: 8, numberOfVideos: 2 })).started, true);
    });

    test('FILTERED gives back the seconds and the running slot', async () => {
      const { s } = await ended('FILTERED', async (record) => {
        h.veo.filter(record.veoOperationName!, 'unsafe');
        await h.clock.advance(10 * SECOND);
      });
      assert.deepEqual(await s.usage(), released);
    });

    test('CANCELLED after Veo accepted it gives back the running slot but keeps the seconds (Veo bills it)', async () => {
      const { s } = await ended('CANCELLED', async (record) => {
        const outcome = await h.operations.cancel('p', record.id);
        assert.deepEqual([outcome.cancelled, outcome.billed], [true, true]);
      });
      assert.deepEqual(await s.usage(), { ...released, principalDaySeconds: 16, totalDaySeconds: 16 });
      // So a start-and-cancel loop cannot spend past the limit.
      await refused(s.start(), { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' }, s);
    });

    test('EXPIRED gives back the seconds and the running slot', async () => {
      const { s } = await ended(
        'EXPIRED',
        async () => {
          await h.clock.advance(40 * SECOND);
        },
        { operationDeadlineSeconds: 30 },
      );
      assert.deepEqual(await s.usage(), released);
    });

    test('a submit Veo refused (FAILED at once) gives everything back', async () => {
      const s = withLimits({ dailySecondsPerPrincipal: 8 });
      h.veo.submitError = new AppError('INVALID_ARGUMENT', 'Veo says no');
      await assert.rejects(s.start(), /veo-3\.1-fast-generate-001 did not start the generation/);
      assert.deepEqual(await s.usage(), released);
      assert.equal((await s.start()).started, true, 'the 8 s are available again');
    });

    test('SUCCEEDED keeps the seconds and gives back only the running slot', async () => {
      const { s } = await ended('SUCCEEDED', async (record) => {
        h.veo.succeed(record.veoOperationName!, h.blobs);
        await h.clock.advance(10 * SECOND);
      });
      assert.deepEqual(await s.usage(), { ...released, principalDaySeconds: 16, totalDaySeconds: 16 });
      await refused(s.start(), { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' }, s);
    });

    test('an ending is released once: later deliveries, cancels and sweeps give nothing back again', async () => {
      const { s, done } = await ended('FAILED', async (record) => {
        h.veo.fail(record.veoOperationName!, 'internal error');
        await h.clock.advance(10 * SECOND);
      });
      // Another principal's usage is the control: a second release would drive counters below zero.
      await h.operations.poll(done.id);
      await h.operations.pollByVeoOperationName(done.veoOperationName!);
      await h.operations.cancel('p', done.id);
      await h.operations.sweep();
      await h.clock.advance(600 * SECOND);
      assert.deepEqual(await s.usage(), released);
    });

    test('concurrent endings of one operation (Veo notice, cancel, poll) release once', async () => {
      const s = withLimits({ dailySecondsPerPrincipal: 16 });
      const { record } = await s.start({ durationSeconds: 8, numberOfVideos: 2 });
      h.veo.fail(record.veoOperationName!, 'internal error');
      await Promise.all([
        h.operations.pollByVeoOperationName(record.veoOperationName!),
        h.operations.cancel('p', record.id),
        h.operations.poll(record.id),
      ]);
      const { status } = await h.operations.get('p', record.id);
      assert.match(status, /^(FAILED|CANCELLED)$/);
      // FAILED at Veo gives the seconds back; a cancel of an accepted generation keeps them. Once, either way.
      const seconds = status === 'FAILED' ? 0 : 16;
      assert.deepEqual(await s.usage(), {
        ...released,
        principalDaySeconds: seconds,
        totalDaySeconds: seconds,
      });
    });

    test('a record from before spend limits (no reservation) releases nothing when it ends', async () => {
      const s = withLimits({});
      const { record } = await s.start();
      await s.start({ prompt: 'other' }); // usage: 16 s, 2 running
      await h.store.update(record.id, (current) => {
        const legacy = { ...current };
        delete legacy.reservation;
        return legacy;
      });
      await h.operations.cancel('p', record.id);
      assert.deepEqual(await s.usage(), {
        principalDaySeconds: 16,
        totalDaySeconds: 16,
        running: 2,
        callsThisMinute: 0,
      });
    });
  });

  describe('UTC days and minutes', () => {
    test('the daily limit resets at midnight UTC', async () => {
      const s = withLimits({ dailySecondsPerPrincipal: 8, maxRunning: 10 });
      await h.clock.advance(86_399 * SECOND); // 2026-12-01T23:59:59Z
      await s.start();
      await refused(
        s.start(),
        { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL', message: /resets at 2026-12-02T00:00:00\.000Z/ },
        s,
      );
      await h.clock.advance(1 * SECOND); // midnight
      const next = await s.start();
      assert.equal(next.started, true);
      assert.equal(next.record.reservation?.day, '2026-12-02');
      assert.equal((await s.usage()).principalDaySeconds, 8, "today's count holds only today's start");
    });

    test("yesterday's failure gives its seconds back to yesterday, not to today", async () => {
      const s = withLimits({ dailySecondsPerPrincipal: 8, maxRunning: 10 });
      await h.clock.advance(86_390 * SECOND);
      const late = await s.start(); // 23:59:50 on 2026-12-01
      await h.clock.advance(10 * SECOND); // midnight: its first poll, still running
      await s.start(); // 8 s today
      h.veo.fail(late.record.veoOperationName!, 'internal error');
      await h.clock.advance(10 * SECOND);
      assert.equal((await h.operations.get('p', late.record.id)).status, 'FAILED');
      const today = await s.usage();
      assert.equal(today.principalDaySeconds, 8, "today's budget is still spent");
      assert.equal(today.running, 1);
      await refused(s.start(), { setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL' }, s);
    });

    test('tool calls are limited per principal per UTC minute, and a refused call is not counted', async () => {
      const s = withLimits({ requestsPerMinute: 3 });
      await h.clock.advance(30 * SECOND); // 00:00:30
      for (let i = 0; i < 3; i++) await h.operations.admitCall('p');
      await refused(
        h.operations.admitCall('p'),
        {
          setting: 'REQUESTS_PER_MINUTE_PER_PRINCIPAL',
          message:
            'REQUESTS_PER_MINUTE_PER_PRINCIPAL reached: you have made 3 of 3 tool calls this minute (UTC); this ' +
            'call would be one more. The limit resets at 2026-12-01T00:01:00.000Z.',
        },
        s,
      );
      assert.equal((await s.usage()).callsThisMinute, 3, 'the refusal was not counted');
      await h.operations.admitCall('q'); // another principal has its own minute
      await h.clock.advance(30 * SECOND); // 00:01:00: a new window
      await h.operations.admitCall('p');
      assert.equal((await s.usage()).callsThisMinute, 1);
    });
  });

  describe('rules and refusals', () => {
    test('each record carries its reservation and list-price estimate', async () => {
      const s = withLimits({});
      const { record } = await s.start({ durationSeconds: 6, numberOfVideos: 2 });
      assert.deepEqual(record.reservation, { day: '2026-12-01', seconds: 12, running: true });
      assert.equal(record.estimatedCostUsd, 2.4);
    });

    test('windows: UTC day and minute, and when each resets', () => {
      const at = new Date('2026-12-31T23:59:30.500Z');
      assert.equal(utcDay(at), '2026-12-31');
      assert.equal(utcMinute(at), '2026-12-31T23:59');
      assert.equal(dayResetsAt(at).toISOString(), '2027-01-01T00:00:00.000Z');
      assert.equal(minuteResetsAt(at).toISOString(), '2027-01-01T00:00:00.000Z');
      assert.equal(
        minuteResetsAt(new Date('2026-12-02T01:05:00.000Z')).toISOString(),
        '2026-12-02T01:06:00.000Z',
      );
      assert.equal(videoSecondsOf({ durationSeconds: 8, numberOfVideos: 4 }), 32);
    });

    test('an override applies only to the principal it names, whatever the string', () => {
      const l = limits({
        dailySecondsPerPrincipal: 10,
        dailySecondsByPrincipal: { 'user:a@example.com': 99 },
      });
      assert.equal(dailyLimitOf(l, 'user:a@example.com'), 99);
      assert.equal(dailyLimitOf(l, 'user:b@example.com'), 10);
      assert.equal(dailyLimitOf(l, 'constructor'), 10, 'no prototype lookups');
      assert.equal(dailyLimitOf(l, '__proto__'), 10);
    });

    test('releaseOnEnding: only the change that ends the operation releases, seconds only without output', () => {
      const base = {
        principal: 'p',
        status: 'RUNNING',
        outputs: [],
        reservation: { day: '2026-12-01', seconds: 8 },
      } as unknown as OperationRecord;
      const as = (status: string, outputs: unknown[] = []) =>
        ({ ...base, status, outputs }) as OperationRecord;
      for (const status of ['FAILED', 'FILTERED', 'EXPIRED']) {
        assert.deepEqual(releaseOnEnding(base, as(status)), {
          principal: 'p',
          day: '2026-12-01',
          seconds: 8,
          running: true,
        });
      }
      assert.deepEqual(
        releaseOnEnding(base, as('CANCELLED')),
        { principal: 'p', day: '2026-12-01', seconds: 0, running: true },
        'cancelled after Veo accepted it: billed anyway, the seconds stay counted',
      );
      // One that ends while waiting in line never held a running slot: it gives none back.
      const waiting = {
        ...base,
        status: 'QUEUED',
        waiting: { since: '2026-12-01T00:00:00.000Z', reason: 'paced', attempts: 0 },
        reservation: { ...base.reservation!, running: false },
      };
      assert.deepEqual(
        releaseOnEnding(waiting as OperationRecord, { ...waiting, status: 'CANCELLED' } as OperationRecord),
        {
          principal: 'p',
          day: '2026-12-01',
          seconds: 8,
          running: false,
        },
      );
      const video = [{ uri: 'x', mimeType: 'video/mp4', bytes: 1 }];
      assert.deepEqual(releaseOnEnding(base, as('SUCCEEDED', video)), {
        principal: 'p',
        day: '2026-12-01',
        seconds: 0,
        running: true,
      });
      assert.deepEqual(releaseOnEnding(base, as('EXPIRED', video)), {
        principal: 'p',
        day: '2026-12-01',
        seconds: 0,
        running: true,
      });
      assert.equal(releaseOnEnding(base, as('RUNNING')), undefined, 'not an ending');
      assert.equal(releaseOnEnding(as('FAILED'), as('FAILED')), undefined, 'already ended');
      assert.equal(releaseOnEnding(as('QUEUED'), { ...as('FAILED'), reservation: undefined }), undefined);
    });

    test('a limit refusal is LIMIT_EXCEEDED: HTTP 429, rejected (not redelivered) on the pipeline path', () => {
      const now = new Date('2026-12-01T10:00:00Z');
      const err = (() => {
        try {
          admitStart(
            { principalDaySeconds: 0, totalDaySeconds: 0, running: 0, queued: 0 },
            { principal: 'p', request: { ...REQUEST, durationSeconds: 8 }, estimatedCostUsd: 3.2 },
            limits({ dailySecondsPerPrincipal: 4 }),
            100,
            now,
          );
        } catch (e) {
          return e;
        }
        return undefined;
      })() as LimitExceededError;
      assert.ok(err instanceof LimitExceededError);
      assert.deepEqual(
        { limit: err.limit, allowed: err.allowed, used: err.used, cost: err.cost, retryable: err.retryable },
        { limit: 'principalDay', allowed: 4, used: 0, cost: 8, retryable: false },
      );
      assert.equal(err.resetsAt?.toISOString(), '2026-12-02T00:00:00.000Z');
      assert.equal(ERROR_POLICY.LIMIT_EXCEEDED.httpStatus, 429);
      assert.equal(pubsubDisposition(err), 'reject');
      assert.throws(
        () => admitCall(5, limits({ requestsPerMinute: 5 }), now),
        /REQUESTS_PER_MINUTE_PER_PRINCIPAL/,
      );
      assert.doesNotThrow(() => admitCall(4, limits({ requestsPerMinute: 5 }), now));
    });
  });
});
