// The operation state machine: which transitions are legal. Terminal states never change.
import { AppError } from '../errors.js';
import { isTerminal, type OperationRecord, type OperationStatus } from './record.js';

const ALLOWED: Record<OperationStatus, readonly OperationStatus[]> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED', 'EXPIRED'],
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

/**
 * Returns the record moved to `to` with `patch` applied, or throws when the move is illegal.
 * Callers inside a store transaction check `isTerminal` first to make repeated deliveries harmless.
 */
export function transition(
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
  const at = now.toISOString();
  const next: OperationRecord = { ...record, ...patch, status: to, updatedAt: at };
  if (isTerminal(to)) {
    next.completedAt = at;
    delete next.nextPollAt;
  }
  return next;
}
