// The admission gate's rules as pure functions: the sliding one-minute window, the served order (first come first
// served per principal, round-robin across principals), estimated starts, and the circuit breaker.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  breakerView,
  emptyGate,
  fairOrder,
  holdPrincipal,
  joinLine,
  PACING_MARGIN_MS,
  rateOf,
  recordFailure,
  recordSuccess,
  takeTurn,
  type AdmissionSettings,
  type GateState,
  type LineEntry,
} from '../../../functions/src/operations/gate.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const SETTINGS: AdmissionSettings = {
  submitsPerMinute: 3,
  submitsPerMinuteByModel: { 'veo-3.1-generate-001': 50 },
  maxQueuedPerPrincipal: 100,
  breakerFailures: 3,
  breakerWindowSeconds: 60,
  breakerOpenSeconds: 30,
};

const entry = (id: string, principal: string, at: number): LineEntry => ({ id, principal, at });
const lineOf = (...entries: LineEntry[]): GateState =>
  entries.reduce((gate, e) => joinLine(gate, e), emptyGate());

describe('admission gate', () => {
  test('rates: the default, and a per-model override', () => {
    assert.equal(rateOf(SETTINGS, 'veo-3.1-fast-generate-001'), 3);
    assert.equal(rateOf(SETTINGS, 'veo-3.1-generate-001'), 50);
    assert.equal(rateOf(SETTINGS, 'constructor'), 3, 'an inherited property name is no override');
  });

  test('served order: each principal in arrival order, principals taking turns', () => {
    const gate = lineOf(
      entry('a1', 'alice', T0),
      entry('a2', 'alice', T0 + 1),
      entry('a3', 'alice', T0 + 2),
      entry('b1', 'bob', T0 + 3),
      entry('c1', 'carol', T0 + 4),
      entry('b2', 'bob', T0 + 5),
    );
    assert.deepEqual(
      fairOrder(gate.line, T0).map((e) => e.id),
      ['a1', 'b1', 'c1', 'a2', 'b2', 'a3'],
    );
  });

  test('joining twice keeps one entry', () => {
    const gate = joinLine(lineOf(entry('a1', 'alice', T0)), entry('a1', 'alice', T0 + 9));
    assert.equal(gate.line.length, 1);
  });

  test('the window: `rate` grants in any minute, the next one a minute (and the margin) after the first', () => {
    let gate = lineOf(...['x1', 'x2', 'x3', 'x4'].map((id, i) => entry(id, 'p', T0 + i)));
    for (const id of ['x1', 'x2', 'x3']) {
      const turn = takeTurn(gate, id, 3, T0 + 10, DAY);
      assert.equal(turn.go, true, id);
      if (turn.go) gate = turn.gate;
    }
    assert.deepEqual(gate.granted, [T0 + 10, T0 + 10, T0 + 10]);
    const fourth = takeTurn(gate, 'x4', 3, T0 + 20, DAY);
    assert.equal(fourth.go, false);
    if (!fourth.go) {
      assert.equal(fourth.reason, 'paced');
      assert.equal(fourth.position, 0);
      assert.equal(fourth.estimatedStartAt.getTime(), T0 + 10 + MINUTE + PACING_MARGIN_MS);
    }
    assert.equal(takeTurn(gate, 'x4', 3, T0 + 10 + MINUTE, DAY).go, false, 'not inside the margin');
    assert.equal(takeTurn(gate, 'x4', 3, T0 + 10 + MINUTE + PACING_MARGIN_MS + 1, DAY).go, true);
  });

  test('out of turn: room for one, and someone is ahead in the served order', () => {
    const gate = lineOf(entry('a1', 'alice', T0), entry('a2', 'alice', T0 + 1));
    const early = takeTurn({ ...gate, granted: [T0, T0] }, 'a2', 3, T0 + 5, DAY);
    assert.equal(early.go, false, 'a1 is first');
    if (!early.go) assert.equal(early.position, 1);
    assert.equal(takeTurn({ ...gate, granted: [T0, T0] }, 'a1', 3, T0 + 5, DAY).go, true);
  });

  test('estimated starts follow the window minute by minute', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `q${i}`);
    const gate = lineOf(...ids.map((id, i) => entry(id, 'p', T0 + i)));
    const full = { ...gate, granted: [T0, T0 + 1000, T0 + 2000] };
    const starts = ids.map((id) => {
      const turn = takeTurn(full, id, 3, T0 + 5000, DAY);
      assert.equal(turn.go, false);
      return turn.go ? 0 : turn.estimatedStartAt.getTime() - T0;
    });
    const slot = MINUTE + PACING_MARGIN_MS;
    assert.deepEqual(starts, [
      slot,
      slot + 1000,
      slot + 2000,
      2 * slot,
      2 * slot + 1000,
      2 * slot + 2000,
      3 * slot,
      3 * slot + 1000,
    ]);
  });

  test('a principal at its running limit steps aside: the next principal goes first', () => {
    let gate = lineOf(entry('a1', 'alice', T0), entry('b1', 'bob', T0 + 1));
    gate = holdPrincipal(gate, 'alice', T0 + 10_000);
    assert.equal(takeTurn({ ...gate, granted: [T0, T0] }, 'b1', 3, T0 + 5, DAY).go, true);
    assert.deepEqual(
      fairOrder(gate.line, T0 + 10_001).map((e) => e.id),
      ['a1', 'b1'],
      'back in its place once the hold ends',
    );
  });

  test('entries older than the deadline no longer hold anyone back', () => {
    const gate = lineOf(entry('old', 'alice', T0), entry('new', 'bob', T0 + 50_000));
    const turn = takeTurn({ ...gate, granted: [T0 + 50_000, T0 + 50_000] }, 'new', 3, T0 + 60_000, 30_000);
    assert.equal(turn.go, true);
    if (turn.go) assert.deepEqual(turn.gate.line, [], 'the stale entry is dropped with the grant');
  });

  describe('circuit breaker', () => {
    const failures = (gate: GateState, times: number[]) =>
      times.reduce((g, t) => recordFailure(g, SETTINGS, `HTTP 503 at ${t}`, t), gate);

    test('opens at the threshold within the window, not for failures spread wider', () => {
      const spread = failures(emptyGate(), [T0, T0 + 40_000, T0 + 80_000]);
      assert.equal(breakerView(spread, T0 + 80_000).state, 'closed', 'the first fell out of the window');
      const burst = failures(emptyGate(), [T0, T0 + 1000, T0 + 2000]);
      const view = breakerView(burst, T0 + 2000);
      assert.equal(view.state, 'open');
      if (view.state === 'open') {
        assert.equal(view.since.getTime(), T0 + 2000);
        assert.equal(view.probeAt.getTime(), T0 + 2000 + 30_000);
        assert.equal(view.lastError, `HTTP 503 at ${T0 + 2000}`);
      }
    });

    test('open: nobody goes; then one probe; its success closes the breaker', () => {
      let gate = joinLine(failures(emptyGate(), [T0, T0, T0]), entry('a1', 'alice', T0));
      gate = joinLine(gate, entry('b1', 'bob', T0 + 1));
      const held = takeTurn(gate, 'a1', 3, T0 + 10_000, DAY);
      assert.equal(held.go, false);
      if (!held.go) {
        assert.equal(held.reason, 'unavailable');
        assert.equal(held.estimatedStartAt.getTime(), T0 + 30_000);
      }
      assert.equal(breakerView(gate, T0 + 30_000).state, 'half-open');
      assert.equal(takeTurn(gate, 'b1', 3, T0 + 30_000, DAY).go, false, 'the probe is the first in line');
      const probe = takeTurn(gate, 'a1', 3, T0 + 30_000, DAY);
      assert.equal(probe.go, true);
      if (!probe.go) return;
      assert.equal(probe.probe, true);
      assert.equal(takeTurn(probe.gate, 'b1', 3, T0 + 30_001, DAY).go, false, 'one probe at a time');
      const closed = recordSuccess(probe.gate)!;
      assert.equal(breakerView(closed, T0 + 31_000).state, 'closed');
      assert.equal(takeTurn(closed, 'b1', 3, T0 + 31_000, DAY).go, true);
      assert.equal(recordSuccess(closed), undefined, 'a success on a closed breaker writes nothing');
    });

    test('a failed probe opens it again for twice as long, up to 16 times', () => {
      let gate = failures(emptyGate(), [T0, T0, T0]);
      const periods: number[] = [];
      let at = T0;
      for (let i = 0; i < 7; i++) {
        periods.push((gate.breaker.openUntil! - at) / 1000);
        at = gate.breaker.openUntil!;
        gate = recordFailure(gate, SETTINGS, 'probe failed', at);
      }
      assert.deepEqual(periods, [30, 60, 120, 240, 480, 480, 480]);
      assert.equal(gate.breaker.openedAt, T0, 'open since the first opening');
    });
  });
});
