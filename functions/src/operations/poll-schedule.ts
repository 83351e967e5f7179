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

/** `base` seconds for the first try, doubling with each one after, never above `max`. */
export const doublingSeconds = (base: number, max: number, tries: number): number =>
  Math.min(max, base * 2 ** Math.max(0, tries - 1));

/** Backoff after a failed poll (Veo 429/5xx, network): doubles per consecutive error, capped. */
export function retryDelaySeconds(timing: PollSchedule, consecutiveErrors: number): number {
  return doublingSeconds(timing.intervalSeconds, timing.maxIntervalSeconds, consecutiveErrors);
}
