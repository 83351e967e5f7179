// A Clock for end-to-end tests that wait for time to pass on a real server: time runs `rate` times faster than real
// time (at rate 10 a 1-second wait tick takes 100 ms, a 0.2-second simulated generation 20 ms), and jump(ms) moves it
// on at once, ending every sleep that comes due. Give the simulator the same time (`simulator: { now: clock.epochMs }`)
// so its delays, outages and quota windows pass on it too. What is not on the clock keeps real time: HTTP timeouts
// (VEO_TIMEOUT_SECONDS) and the simulator's slow faults.
// ShiftedClock (shifted-clock.ts) runs at real speed and its sleeps do not wake on a shift; ManualClock
// (manual-clock.ts) stands still until the test moves it.
import type { Clock } from '../../functions/src/operations/clock.js';

/** The longest delay a Node timer takes (a longer one fires at once); longer sleeps re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Sleeper {
  at: number;
  wake: () => void;
}

export class WarpClock implements Clock {
  private readonly rate: number;
  private readonly realStart = performance.now();
  private readonly start = Date.now();
  private jumped = 0;
  private readonly sleepers = new Set<Sleeper>();

  /** `rate`: clock milliseconds per real millisecond (default 1: real speed, moved on only by jump()). */
  constructor(options: { rate?: number } = {}) {
    this.rate = options.rate ?? 1;
    if (!(this.rate > 0)) throw new RangeError(`rate must be above 0, got ${options.rate}`);
  }

  /** The clock's time in epoch milliseconds (the simulator's `now`). */
  readonly epochMs = (): number =>
    this.start + (performance.now() - this.realStart) * this.rate + this.jumped;

  now(): Date {
    return new Date(this.epochMs());
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    const at = this.epochMs() + ms;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const sleeper: Sleeper = {
        at,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      // Re-armed until the clock reads `at`: a real timer may fire a fraction of a millisecond early.
      const arm = () => {
        const left = at - this.epochMs();
        if (left <= 0) return sleeper.wake();
        timer = setTimeout(arm, Math.min(Math.ceil(left / this.rate), MAX_TIMER_MS));
        // Like the system clock's sleeps, a pending one never keeps the process alive on its own.
        timer.unref();
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
      arm();
    });
  }

  /** Moves time on by `ms` at once; every sleep due by then ends now, the earliest first. */
  jump(ms: number): void {
    this.jumped += ms;
    const now = this.epochMs();
    const due = [...this.sleepers].filter((s) => s.at <= now).sort((a, b) => a.at - b.at);
    for (const sleeper of due) sleeper.wake();
  }
}
