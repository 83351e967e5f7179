// A Clock that moves only when a test says so. `advance(ms)` wakes every sleeper whose time has come, in order,
// letting each one's continuation run before the clock moves on; `settle()` lets pending promise chains run.
import type { Clock } from '../../functions/src/operations/clock.js';

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start: Date | string = '2026-12-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = { at: this.current + ms, seq: this.seq++, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** How many sleeps are pending (a test can wait until the code under test is asleep). */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in time order and letting their work run at each step. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.sleepers
        .filter((s) => s.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.current = Math.max(this.current, next.at);
      next.wake();
    }
    this.current = target;
    await settle();
  }
}

/** Lets every already-queued promise continuation (and the I/O callbacks they schedule right away) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
