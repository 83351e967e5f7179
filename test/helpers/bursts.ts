// Shared by the emulator suites of bursts and outages (test/emulator/bursts.test.ts, outages.test.ts): reading a
// principal's records, waiting for the store to settle, counting accepted submits per minute, watching the gate,
// (The clock that skips the rest of a quota's minute is WarpClock, in warp-clock.ts.)
import type { GateState } from '../../functions/src/operations/gate.js';
import type { OperationRecord } from '../../functions/src/operations/record.js';
import type { Runtime } from '../../functions/src/runtime.js';
import type { Pipelines } from './pipelines.js';

export const MINUTE_MS = 60_000;

/** All records of a principal in the store, through the adapter's own query. */
export async function recordsOf(runtime: Runtime, principal: string): Promise<OperationRecord[]> {
  const records: OperationRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await runtime.store.list({ principal, limit: 100, cursor });
    records.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return records;
}

/**
 * Re-reads `read` until `done` holds: the store moves a moment after the events that announce it (a record notes
 * its event went out after publishing it). Checked every 100 ms, for at most `timeoutMs`.
 */
export async function settled<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The most accepted submits any 60-second window (as the simulator's quota counts them) holds. */
export function busiestMinute(times: readonly number[], windowMs = MINUTE_MS): number {
  let most = 0;
  for (const end of times) most = Math.max(most, times.filter((t) => t > end - windowMs && t <= end).length);
  return most;
}

/** Accepted submits per minute since `t0`: [minute 0, minute 1, ...]. */
export function perMinute(times: readonly number[], t0: number): number[] {
  const buckets: number[] = [];
  for (const t of times) {
    const minute = Math.floor((t - t0) / MINUTE_MS);
    while (buckets.length <= minute) buckets.push(0);
    buckets[minute]!++;
  }
  return buckets;
}

/** Records every gate state the store hands back (dispatches and gate updates) and wakes `until` on each. */
export function watchGates(pipelines: Pipelines): GateState[] {
  const seen: GateState[] = [];
  const store = pipelines.runtime.store;
  const dispatch = store.dispatch.bind(store);
  store.dispatch = async (...args) => {
    const result = await dispatch(...args);
    if (result) seen.push(result.gate);
    pipelines.notify();
    return result;
  };
  const gate = store.gate.bind(store);
  store.gate = async (...args) => {
    const state = await gate(...args);
    seen.push(state);
    pipelines.notify();
    return state;
  };
  return seen;
}
