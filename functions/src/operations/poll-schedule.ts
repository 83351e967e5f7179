// When to poll Veo next. Veo takes tens of seconds to minutes: poll at a steady interval while a result is likely
// soon, then back off, so completion is noticed within one interval while polls per video stay few.

export interface PollTiming {
  initialDelaySeconds: number;
  intervalSeconds: number;
  maxIntervalSeconds: number;
}

/** Seconds after which the steady interval starts growing. */
const STEADY_SECONDS = 120;

export function nextPollDelaySeconds(timing: PollTiming, elapsedSeconds: number, pollCount: number): number {
  if (pollCount === 0) return timing.initialDelaySeconds;
  if (elapsedSeconds <= STEADY_SECONDS) return timing.intervalSeconds;
  const growth = 1 + (elapsedSeconds - STEADY_SECONDS) / STEADY_SECONDS;
  return Math.min(timing.maxIntervalSeconds, Math.round(timing.intervalSeconds * growth));
}

/** Backoff after a failed poll (Veo 429/5xx, network): doubles per consecutive error, capped. */
export function retryDelaySeconds(timing: PollTiming, consecutiveErrors: number): number {
  const base = timing.intervalSeconds * 2 ** Math.max(0, consecutiveErrors - 1);
  return Math.min(timing.maxIntervalSeconds, base);
}
