// When to poll Veo next. A steady interval keeps the promise "completion is noticed within one interval" while a
// 10-second interval costs at most one Veo poll per 10 seconds of generation; errors back off to a ceiling.
// (Vertex's own completion notice ends most operations sooner than the next scheduled poll.)

export interface PollSchedule {
  initialDelaySeconds: number;
  intervalSeconds: number;
  /** Ceiling for the backoff after failed polls. */
  maxIntervalSeconds: number;
}

export function nextPollDelaySeconds(timing: PollSchedule, pollCount: number): number {
  return pollCount === 0 ? timing.initialDelaySeconds : timing.intervalSeconds;
}

/** Backoff after a failed poll (Veo 429/5xx, network): doubles per consecutive error, capped. */
export function retryDelaySeconds(timing: PollSchedule, consecutiveErrors: number): number {
  const base = timing.intervalSeconds * 2 ** Math.max(0, consecutiveErrors - 1);
  return Math.min(timing.maxIntervalSeconds, base);
}
