// The operation state machine as pure functions: each takes the record as stored and returns the record to store,
// or undefined for "leave it as it is". The use cases run them inside store transactions (OperationStore.update), so a
// repeated, late or concurrent delivery reads the latest record and changes nothing it should not.
// Terminal states never change; the transaction that ends an operation also takes the lease to publish its event.
import { AppError } from '../errors.js';
import {
  isTerminal,
  type OperationError,
  type OperationOutput,
  type OperationRecord,
  type OperationStatus,
  type Waiting,
} from './record.js';

const ALLOWED: Record<OperationStatus, readonly OperationStatus[]> = {
  // QUEUED → SUCCEEDED: an operation whose submit answer was lost, rebuilt from the outputs Veo wrote.
  QUEUED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'],
  RUNNING: ['RUNNING', 'SUCCEEDED', 'FAILED', 'FILTERED', 'CANCELLED', 'EXPIRED'],
  SUCCEEDED: [],
  FAILED: [],
  FILTERED: [],
  CANCELLED: [],
  EXPIRED: [],
};

export function canTransition(from: OperationStatus, to: OperationStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** How an operation ended. Every ending path builds one of these and hands it to `finishWith`. */
export type Ending =
  | { status: 'SUCCEEDED'; outputs: OperationOutput[]; raiFilteredCount?: number; raiReasons?: string[] }
  | {
      status: 'FAILED' | 'FILTERED' | 'EXPIRED' | 'CANCELLED';
      error: OperationError;
      raiFilteredCount?: number;
      raiReasons?: string[];
      /** CANCELLED: the model's API stopped the generation (Omni), so nothing more is billed. */
      upstreamCancelled?: boolean;
      /** FAILED: the submit's outcome is unknown and cannot be reconciled: Google may have started (and bill) it. */
      mayBeBilled?: boolean;
    };

/** The right to publish an operation's completion event, held by one instance until `until`. */
export interface PublishLease {
  token: string;
  until: Date;
}

const iso = (date: Date) => date.toISOString();

/** Veo accepted the submit: the operation runs under Veo's name, first poll at `nextPollAt`. */
export function markRunning(
  record: OperationRecord,
  accepted: { veoOperationName: string; simulated: boolean },
  nextPollAt: Date,
  now: Date,
): OperationRecord | undefined {
  if (record.status !== 'QUEUED') return undefined;
  return move(record, 'RUNNING', { ...accepted, nextPollAt: iso(nextPollAt) }, now);
}

/**
 * A waiting operation's turn came: its submit goes to Veo now. It leaves the line and takes a running slot; until
 * `holdUntil` the submit may be in flight, after which an operation still without Veo's answer is reconciled.
 */
export function markSending(
  record: OperationRecord,
  holdUntil: Date,
  now: Date,
): OperationRecord | undefined {
  if (record.status !== 'QUEUED' || !record.waiting) return undefined;
  const next: OperationRecord = {
    ...record,
    submittedAt: iso(now),
    nextPollAt: iso(holdUntil),
    updatedAt: iso(now),
    ...(record.reservation ? { reservation: { ...record.reservation, running: true } } : {}),
  };
  delete next.waiting;
  return next;
}

/**
 * The operation waits (again) for its turn: it joined the line, its turn has not come, or Veo refused its submit
 * without starting anything (then it gives its running slot back). Due again at `nextPollAt`.
 */
export function markWaiting(
  record: OperationRecord,
  waiting: Waiting,
  nextPollAt: Date,
  now: Date,
): OperationRecord | undefined {
  if (record.status !== 'QUEUED' || record.veoOperationName) return undefined;
  return {
    ...record,
    waiting,
    nextPollAt: iso(nextPollAt),
    updatedAt: iso(now),
    ...(record.reservation ? { reservation: { ...record.reservation, running: false } } : {}),
  };
}

/**
 * A poll takes its slot: the message was arranged for `scheduledFor`, and unless a newer poll is arranged or another
 * poll holds the slot right now, the slot is held by `claim` until `holdUntil`, so no other delivery of it — another
 * instance, a waiting caller, a duplicate message, Veo's notice — polls Veo too. A claim whose holder died lapses at
 * `holdUntil`. Undefined: the poll is stale (or the operation ended) and must not happen.
 */
export function claimPoll(
  record: OperationRecord,
  slot: { scheduledFor: string | undefined; claim: string; holdUntil: Date },
  now: Date,
): OperationRecord | undefined {
  // A waiting operation is not polled: its delivery asks the gate for its turn (submit.ts).
  if (isTerminal(record.status) || record.waiting) return undefined;
  const next = record.nextPollAt;
  const current = next !== undefined && next > iso(now);
  if (current && record.pollClaim) return undefined;
  if (current && slot.scheduledFor !== undefined && next > slot.scheduledFor) return undefined;
  return { ...record, nextPollAt: iso(slot.holdUntil), pollClaim: slot.claim, updatedAt: iso(now) };
}

/** A poll that did not end the operation: count it, note whether it failed, arrange the next one. */
export function recordPoll(
  record: OperationRecord,
  outcome: { failed: boolean; nextPollAt: Date },
  now: Date,
): OperationRecord | undefined {
  if (isTerminal(record.status)) return undefined;
  const next: OperationRecord = {
    ...record,
    // Waiting for the submit's answer is not a Veo poll.
    pollCount: record.pollCount + (record.veoOperationName ? 1 : 0),
    pollErrors: outcome.failed ? record.pollErrors + 1 : 0,
    nextPollAt: iso(outcome.nextPollAt),
    updatedAt: iso(now),
  };
  delete next.pollClaim;
  return next;
}

/**
 * Ends the operation and takes the publish lease in the same change. Undefined when it has already ended: the
 * first ending wins, and only its transaction holds the lease. Until the event is out, `nextPollAt` is when the
 * sweep may take the lease over.
 */
export function finishWith(
  record: OperationRecord,
  ending: Ending,
  lease: PublishLease,
  now: Date,
): OperationRecord | undefined {
  if (isTerminal(record.status)) return undefined;
  const { status, ...patch } = ending;
  const ended = move(
    record,
    status,
    { ...patch, pollCount: record.pollCount + (record.veoOperationName ? 1 : 0) },
    now,
  );
  return withLease(ended, lease);
}

/** The lease to publish a terminal record's event that is not out yet, unless another instance holds it. */
export function takePublishLease(
  record: OperationRecord,
  lease: PublishLease,
  now: Date,
): OperationRecord | undefined {
  if (!needsPublish(record)) return undefined;
  if (record.announceLeaseUntil && record.announceLeaseUntil > iso(now)) return undefined;
  return withLease(record, lease);
}

/** Publishing failed: give the lease back so the next delivery (or the sweep) publishes at once. */
export function releasePublishLease(
  record: OperationRecord,
  token: string,
  now: Date,
): OperationRecord | undefined {
  if (record.announceToken !== token || record.completionPublishedAt) return undefined;
  const next: OperationRecord = { ...record, nextPollAt: iso(now) };
  delete next.announceLeaseUntil;
  return next;
}

/** The event is out: nothing is left to do for this operation. */
export function markPublished(
  record: OperationRecord,
  token: string,
  now: Date,
): OperationRecord | undefined {
  if (record.announceToken !== token || record.completionPublishedAt) return undefined;
  const next: OperationRecord = { ...record, completionPublishedAt: iso(now) };
  delete next.announceLeaseUntil;
  delete next.nextPollAt;
  return next;
}

/** What a failure means for the operation: an AppError keeps its code; anything else is an upstream fault. */
export function toOperationError(err: unknown): OperationError {
  if (err instanceof AppError) return { code: err.code, message: err.message, retryable: err.retryable };
  return { code: 'UPSTREAM', message: err instanceof Error ? err.message : String(err), retryable: true };
}

/** A terminal record whose completion event has not gone out. */
export const needsPublish = (record: OperationRecord): boolean =>
  isTerminal(record.status) && !record.completionPublishedAt;

function withLease(record: OperationRecord, lease: PublishLease): OperationRecord {
  return {
    ...record,
    announceToken: lease.token,
    announceLeaseUntil: iso(lease.until),
    nextPollAt: iso(lease.until),
  };
}

/** The record moved to `to` with `patch` applied; throws when the move is illegal. */
function move(
  record: OperationRecord,
  to: OperationStatus,
  patch: Partial<OperationRecord>,
  now: Date,
): OperationRecord {
  if (!canTransition(record.status, to)) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `Operation ${record.id} cannot move from ${record.status} to ${to}`,
    );
  }
  const next: OperationRecord = { ...record, ...patch, status: to, updatedAt: iso(now) };
  if (isTerminal(to)) {
    next.completedAt = iso(now);
    delete next.nextPollAt;
    delete next.pollClaim;
    delete next.waiting;
  }
  return next;
}
