// Regressions found by the emulator burst and outage runs (test/emulator/bursts.test.ts), pinned down on the memory
// store and a manual clock: a submit refused again backs off longer each time, and failures of submits already in
// flight when the breaker opened do not count as failed probes.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  breakerView,
  emptyGate,
  recordFailure,
  type AdmissionSettings,
} from '../../../functions/src/operations/gate.js';
import { harness, SETTINGS, veoQuota } from './harness.js';

const SECOND = 1000;
const T0 = Date.parse('2026-12-02T10:00:00Z');
const BREAKER: AdmissionSettings = { ...SETTINGS.admission, breakerFailures: 3, breakerOpenSeconds: 30 };

describe('admission regressions', () => {
  let h: ReturnType<typeof harness> | undefined;
  afterEach(() => h?.close());

  test('each refusal of the same submit counts: attempts 1, 2, 3 and the backoff doubles', async () => {
    h = harness();
    h.veo.submitError = veoQuota();
    const { record } = await h.start();
    const seen: Array<[number | undefined, number]> = [];
    let current = record;
    for (let refusal = 1; refusal <= 3; refusal++) {
      assert.equal(current.status, 'QUEUED');
      const delay = Date.parse(current.nextPollAt!) - h.clock.now().getTime();
      seen.push([current.waiting?.attempts, delay]);
      // Refused again when it comes back (the generator's error is one-shot).
      if (refusal < 3) h.veo.submitError = veoQuota();
      await h.clock.advance(delay + 1);
      current = await h.operations.get('p', record.id);
    }
    assert.deepEqual(
      seen.map(([attempts]) => attempts),
      [1, 2, 3],
      'the count survives the send',
    );
    // Jitter in [half, full] of 2 s, 4 s, 8 s (a record keeps whole milliseconds: 1 ms either side).
    const [first, second, third] = seen.map(([, delay]) => delay);
    const within = (ms: number, low: number, high: number) =>
      ms >= low * SECOND - 1 && ms <= high * SECOND + 1;
    assert.ok(within(first!, 1, 2), `first retry ${first} ms`);
    assert.ok(within(second!, 2, 4), `second retry ${second} ms`);
    assert.ok(within(third!, 4, 8), `third retry ${third} ms`);
    assert.equal(current.status, 'RUNNING', 'the fourth submit went through');
    assert.equal(h.veo.submits, 4);
  });

  test('failures of submits sent before the breaker opened neither reopen it nor double its period', () => {
    let gate = [T0, T0 + 100, T0 + 200].reduce(
      (g, t) => recordFailure(g, BREAKER, `HTTP 503 at ${t}`, t),
      emptyGate(),
    );
    assert.equal(gate.breaker.openings, 1);
    assert.equal(gate.breaker.openUntil, T0 + 200 + 30 * SECOND);
    // Five more that were in flight answer while it is open.
    for (const t of [T0 + 300, T0 + 400, T0 + 500, T0 + 600, T0 + 700]) {
      gate = recordFailure(gate, BREAKER, `late HTTP 503 at ${t}`, t);
    }
    assert.equal(gate.breaker.openings, 1, 'still the first opening');
    assert.equal(gate.breaker.openUntil, T0 + 200 + 30 * SECOND, 'probe time unchanged');
    assert.equal(gate.breaker.failures.length, 8, 'each counted');
    assert.equal(gate.breaker.lastError, `late HTTP 503 at ${T0 + 700}`);
    const view = breakerView(gate, T0 + 1000);
    assert.equal(view.state, 'open');
    if (view.state === 'open') assert.equal(view.since.getTime(), T0 + 200);
    // The probe at half-open fails: that one reopens, for twice as long.
    const probeAt = gate.breaker.openUntil!;
    gate = recordFailure(gate, BREAKER, 'probe failed', probeAt);
    assert.equal(gate.breaker.openings, 2);
    assert.equal(gate.breaker.openUntil, probeAt + 60 * SECOND);
  });
});
