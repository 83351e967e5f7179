// A Clock on real time that a test can stop and move: sleeps are real (the server's polls and the simulator run as
// usual), while now() can be frozen at an instant (two calls then sign identical links) and moved past a link's
// expiry without waiting for it. Time never runs backwards: resume() continues from where it was frozen.
// ManualClock (manual-clock.ts) is for code whose waiting the test drives step by step.
import { systemClock, type Clock } from '../../functions/src/operations/clock.js';

export class ShiftedClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Stops time at `at` (default: now). */
  freeze(at: Date = this.now()): Date {
    this.frozenAt = at.getTime();
    return at;
  }

  /** Moves time on by `ms` and keeps it frozen there. */
  advance(ms: number): Date {
    return this.freeze(new Date(this.now().getTime() + ms));
  }

  /** Lets time run again from the frozen instant. */
  resume(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}
