// Spend control, as pure rules: what a generation costs in seconds of video, whether a start or a tool call fits the
// limits, and what an ending gives back. The stores apply these inside the transactions that create, send and end
// records (OperationStore.createInLine / dispatch / update) and count calls (UsageLedger), so every instance sees one count: nothing here
// holds state.
import { AppError } from '../errors.js';
import { isTerminal, type OperationRecord, type VideoRequest } from './record.js';

/** The limits in force (config: DAILY_VIDEO_SECONDS_*, REQUESTS_PER_MINUTE_*, MAX_RUNNING_*). */
export interface SpendLimits {
  /** Seconds of video one principal may start per UTC day, unless `dailySecondsByPrincipal` names it. */
  dailySecondsPerPrincipal: number;
  /** Per-principal replacements of dailySecondsPerPrincipal (PRINCIPAL_DAILY_VIDEO_SECONDS). */
  dailySecondsByPrincipal: Readonly<Record<string, number>>;
  /** Seconds of video the whole deployment may start per UTC day. */
  dailySecondsTotal: number;
  /** Tool calls one principal may make per UTC minute. */
  requestsPerMinute: number;
  /** Operations of one principal at Veo at once (submitted, not yet ended); more wait in line. */
  maxRunning: number;
}

/**
 * The setting that names each limit: refusals (and the "Refused by a spend limit" log line's `limit`) and get_usage
 * speak in these names. `line` is no setting: the fixed length of one model's line, all callers together (gate.ts
 * MAX_LINE).
 */
export const LIMIT_SETTINGS = {
  principalDay: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
  totalDay: 'DAILY_VIDEO_SECONDS_TOTAL',
  perMinute: 'REQUESTS_PER_MINUTE_PER_PRINCIPAL',
  running: 'MAX_RUNNING_OPERATIONS_PER_PRINCIPAL',
  queued: 'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL',
  line: 'MAX_LINE',
} as const;
export type LimitName = keyof typeof LIMIT_SETTINGS;

/** The seconds a record holds against the daily limits, from the UTC day it started. */
export interface Reservation {
  /** UTC day the seconds count against (YYYY-MM-DD). */
  day: string;
  seconds: number;
  /**
   * Whether the operation holds one of the principal's running slots (MAX_RUNNING_OPERATIONS_PER_PRINCIPAL): taken
   * when its submit goes to Veo, given back when it ends or Veo refuses the submit. Records made before queueing
   * took the slot at creation and have no such field: undefined means held.
   */
  running?: boolean;
}

/** The counters a start is checked against, as read in the start's transaction. */
export interface StartUsage {
  /** Seconds this principal has started on the reservation's day. */
  principalDaySeconds: number;
  /** Seconds every principal together has started that day. */
  totalDaySeconds: number;
  /** This principal's operations at Veo (submitted, not yet ended). */
  running: number;
}

/** What an ending (or a refused submit) gives back: the running slot if held; seconds when nothing was delivered. */
export interface UsageRelease {
  principal: string;
  day: string;
  seconds: number;
  running: boolean;
}

/** A principal's usage as get_usage shows it. */
export interface UsageSnapshot extends StartUsage {
  /** Tool calls this principal made in the current UTC minute. */
  callsThisMinute: number;
}

/** Seconds of video a request asks for: its duration times the number of videos. */
export const videoSecondsOf = (request: Pick<VideoRequest, 'durationSeconds' | 'numberOfVideos'>): number =>
  request.durationSeconds * request.numberOfVideos;

/** The UTC day (YYYY-MM-DD) and minute (YYYY-MM-DDTHH:MM) windows `at` falls in. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
export const utcMinute = (at: Date): string => at.toISOString().slice(0, 16);

/** When the UTC day (or minute) that holds `at` ends: the daily (per-minute) limits reset then. */
export const dayResetsAt = (at: Date): Date =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
export const minuteResetsAt = (at: Date): Date => new Date(Math.floor(at.getTime() / 60_000 + 1) * 60_000);

/** The daily seconds one principal may start. */
export const dailyLimitOf = (limits: SpendLimits, principal: string): number =>
  Object.hasOwn(limits.dailySecondsByPrincipal, principal)
    ? limits.dailySecondsByPrincipal[principal]!
    : limits.dailySecondsPerPrincipal;

/** A request refused by a spend limit; nothing was created, submitted or reserved. */
export class LimitExceededError extends AppError {
  readonly limit: LimitName;
  readonly setting: string;
  readonly allowed: number;
  readonly used: number;
  readonly cost: number;
  /** When the limit frees up; undefined for the running limit, which frees up when an operation ends. */
  readonly resetsAt?: Date;
  constructor(
    limit: LimitName,
    detail: { allowed: number; used: number; cost: number; resetsAt?: Date; message: string },
  ) {
    // Not retryable as such: the message says when the limit frees up, and a pipeline gets a rejection event
    // (redelivering would only repeat the refusal until then).
    super('LIMIT_EXCEEDED', detail.message, false);
    this.limit = limit;
    this.setting = LIMIT_SETTINGS[limit];
    this.allowed = detail.allowed;
    this.used = detail.used;
    this.cost = detail.cost;
    this.resetsAt = detail.resetsAt;
  }
}

const usd = (amount: number) => `$${amount.toFixed(2)}`;

/**
 * Whether a new operation may be accepted: throws LimitExceededError for the first limit it would break (the
 * principal's line for the model, then the principal's day, then the deployment's day). `record` is the draft with
 * its reservation. The running limit is not a refusal: an operation over it waits in line (admitSubmit).
 */
export function admitStart(
  /** With `queued`: the principal's operations waiting in the model's line. */
  usage: StartUsage & { queued: number },
  record: Pick<OperationRecord, 'principal' | 'reservation' | 'estimatedCostUsd' | 'request'>,
  limits: SpendLimits,
  maxQueued: number,
  now: Date,
): void {
  const seconds = record.reservation?.seconds ?? videoSecondsOf(record.request);
  const { durationSeconds, numberOfVideos } = record.request;
  const cost =
    `this request needs ${seconds} s (${durationSeconds} s × ${numberOfVideos} video${numberOfVideos === 1 ? '' : 's'}, ` +
    `about ${usd(record.estimatedCostUsd)} at list price)`;
  const resetsAt = dayResetsAt(now);
  const reset = `The limit resets at ${resetsAt.toISOString()} (midnight UTC).`;

  if (usage.queued + 1 > maxQueued) {
    throw new LimitExceededError('queued', {
      allowed: maxQueued,
      used: usage.queued,
      cost: 1,
      message:
        `${LIMIT_SETTINGS.queued} reached: ${usage.queued} of your generations with ${record.request.model} are ` +
        `waiting for their turn at Veo (limit ${maxQueued}); this request would wait too. The limit frees up as ` +
        'they start (list_video_operations with status QUEUED shows them); it has no fixed reset time.',
    });
  }
  const principalLimit = dailyLimitOf(limits, record.principal);
  if (usage.principalDaySeconds + seconds > principalLimit) {
    throw new LimitExceededError('principalDay', {
      allowed: principalLimit,
      used: usage.principalDaySeconds,
      cost: seconds,
      resetsAt,
      message:
        `${LIMIT_SETTINGS.principalDay} reached: you have started ${usage.principalDaySeconds} of ` +
        `${principalLimit} seconds of video today (UTC); ${cost}. ${reset}`,
    });
  }
  if (usage.totalDaySeconds + seconds > limits.dailySecondsTotal) {
    throw new LimitExceededError('totalDay', {
      allowed: limits.dailySecondsTotal,
      used: usage.totalDaySeconds,
      cost: seconds,
      resetsAt,
      message:
        `${LIMIT_SETTINGS.totalDay} reached: this deployment has started ${usage.totalDaySeconds} of ` +
        `${limits.dailySecondsTotal} seconds of video today (UTC), all callers together; ${cost}. ${reset}`,
    });
  }
}

/** Whether one more tool call fits this minute, given the calls already counted in it. */
export function admitCall(callsThisMinute: number, limits: SpendLimits, now: Date): void {
  if (callsThisMinute + 1 <= limits.requestsPerMinute) return;
  const resetsAt = minuteResetsAt(now);
  throw new LimitExceededError('perMinute', {
    allowed: limits.requestsPerMinute,
    used: callsThisMinute,
    cost: 1,
    resetsAt,
    message:
      `${LIMIT_SETTINGS.perMinute} reached: you have made ${callsThisMinute} of ${limits.requestsPerMinute} ` +
      `tool calls this minute (UTC); this call would be one more. The limit resets at ${resetsAt.toISOString()}.`,
  });
}

/**
 * What the ending `before` → `after` gives back, or undefined when this change does not end the operation (or the
 * record reserved nothing: records made before budgets). Run in the transaction that ends the operation, which
 * happens once, so the release happens once. Seconds come back when the operation ended without output (FAILED,
 * FILTERED, CANCELLED, EXPIRED): nothing was delivered. A SUCCEEDED operation keeps them, and so does one cancelled
 * after its submit went to Veo (Veo cannot cancel it and bills it).
 */
export function releaseOnEnding(before: OperationRecord, after: OperationRecord): UsageRelease | undefined {
  if (!after.reservation || isTerminal(before.status) || !isTerminal(after.status)) return undefined;
  const delivered = after.status === 'SUCCEEDED' || after.outputs.length > 0;
  // Veo has no cancel: a generation it accepted runs on and is billed, so cancelling it gives no seconds back
  // (else start-and-cancel in a loop would spend without limit). One the model's API stopped (Omni) gives them back.
  // Nor does a submit whose outcome is unknown and cannot be reconciled: Google may have started it.
  const billedAnyway =
    (after.status === 'CANCELLED' && sentToVeo(before) && !after.upstreamCancelled) ||
    after.mayBeBilled === true;
  return {
    principal: after.principal,
    day: after.reservation.day,
    seconds: delivered || billedAnyway ? 0 : after.reservation.seconds,
    running: before.reservation?.running !== false,
  };
}

/**
 * Whether Veo may bill the operation: anything but a generation waiting in line (never sent, or sent and refused
 * without starting anything). A QUEUED record without `waiting` has a submit in flight or an unknown outcome.
 */
export const sentToVeo = (record: Pick<OperationRecord, 'status' | 'waiting'>): boolean =>
  !(record.status === 'QUEUED' && record.waiting !== undefined);

/** Whether the principal may have one more operation at Veo. */
export const admitSubmit = (running: number, limits: SpendLimits): boolean =>
  running + 1 <= limits.maxRunning;
