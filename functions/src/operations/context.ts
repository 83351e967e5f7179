// What the use cases (start, poll, completion, wait) work with: the ports, the settings and the clock.
import type { SpendLimits } from './budget.js';
import type { Clock } from './clock.js';
import type { AdmissionSettings } from './gate.js';
import type { PollSchedule } from './poll-schedule.js';
import type {
  BlobStore,
  CompletionSink,
  OperationStore,
  PollQueue,
  UsageLedger,
  VideoGenerator,
} from './ports.js';

export interface OperationsSettings {
  poll: PollSchedule;
  /** A Veo operation not done after this many seconds ends EXPIRED. */
  operationDeadlineSeconds: number;
  retentionDays: number;
  outputPrefix: string;
  /**
   * How long one call to Veo may take (a submit, or a poll with saving its outputs). A record still without Veo's
   * answer after this is reconciled; a poll slot claimed this long ago is assumed lost and may be taken again.
   */
  submitGraceSeconds: number;
  /** How overdue a record must be before the sweep assumes its poll message (or its event) was lost. */
  sweepGraceSeconds: number;
  /** Lifetime of the signed URLs in completion events. */
  signedUrlTtlSeconds: number;
  /** Spend limits, enforced in the store's transactions (budget.ts). */
  limits: SpendLimits;
  /** Pacing to the upstream quota, the line and the breaker (gate.ts). */
  admission: AdmissionSettings;
}

export interface OperationsContext {
  store: OperationStore;
  /** Tool calls per minute and usage reads (the same store object in practice). */
  ledger: UsageLedger;
  blobs: BlobStore;
  queue: PollQueue;
  veo: VideoGenerator;
  /** Where completion events go (Pub/Sub topic, in-process subscribers, webhooks). */
  completions: CompletionSink;
  settings: OperationsSettings;
  clock: Clock;
}

/** `seconds` from the clock's now, as a Date. */
export const secondsFrom = (ctx: OperationsContext, seconds: number): Date =>
  new Date(ctx.clock.now().getTime() + seconds * 1000);
