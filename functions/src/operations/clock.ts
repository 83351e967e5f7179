// Time as a dependency: everything that reads the time or waits takes a Clock, so tests run on a manual clock
// (test/helpers/manual-clock.ts) instead of waiting for real seconds.

export interface Clock {
  now(): Date;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A pending sleep never keeps the process alive on its own (the in-process queue, webhook retries).
      timer.unref?.();
      signal?.addEventListener('abort', done, { once: true });
    }),
};
