// The bounded wait (generate_video's wait_seconds): re-reads the record on a tick and polls Veo only when the
// operation's poll is due (its queue message is late, or this instance is the only one awake). A due poll goes
// through the same slot claim as every other poll, so however many callers wait, each slot is polled once.
import { errorFields, log } from '../log.js';
import type { OperationsContext } from './context.js';
import { isTerminal, type OperationRecord } from './record.js';

export interface WaitOptions {
  /** How long to wait at most, in milliseconds. */
  maxMs: number;
  /** Stops the wait early (the client went away). */
  signal?: AbortSignal;
  /** How often the record is re-read and progress reported, in milliseconds. */
  tickMs?: number;
  /**
   * Called after a tick with the whole seconds waited so far and the record as read, when more seconds have passed
   * than at the last call: MCP progress must increase with each notification, and ticks can fall within one second.
   */
  onTick?: (elapsedSeconds: number, record: OperationRecord) => Promise<void>;
}

const DEFAULT_TICK_MS = 1000;

export interface WaitResult {
  record: OperationRecord;
  /** How long the wait took, in seconds (tenths). */
  waitedSeconds: number;
}

export async function waitFor(
  ctx: OperationsContext,
  read: () => Promise<OperationRecord>,
  poll: (id: string, scheduledFor: string | undefined) => Promise<unknown>,
  options: WaitOptions,
): Promise<WaitResult> {
  const { clock } = ctx;
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  const start = clock.now().getTime();
  const deadline = start + options.maxMs;
  const done = () => ({ record, waitedSeconds: Math.round((clock.now().getTime() - start) / 100) / 10 });
  let record = await read();
  let reported = -1;
  for (;;) {
    if (isTerminal(record.status) || options.signal?.aborted) return done();
    let now = clock.now().getTime();
    if (now >= deadline) return done();
    const dueAt = record.nextPollAt ? Date.parse(record.nextPollAt) : Infinity;
    if (dueAt <= now) {
      try {
        await poll(record.id, record.nextPollAt);
      } catch (err) {
        // The slot stays due (or its claim lapses), so the queue's message or the sweep polls it again.
        log.warn('Poll during a wait failed', { operationId: record.id, ...errorFields(err) });
      }
      record = await read();
      if (isTerminal(record.status)) return done();
      now = clock.now().getTime();
    }
    const nextDue = record.nextPollAt ? Date.parse(record.nextPollAt) - now : tickMs;
    await clock.sleep(Math.min(tickMs, deadline - now, nextDue > 0 ? nextDue : tickMs), options.signal);
    record = await read();
    const elapsed = Math.round((clock.now().getTime() - start) / 1000);
    if (elapsed > reported) {
      reported = elapsed;
      await options.onTick?.(elapsed, record);
    }
  }
}
