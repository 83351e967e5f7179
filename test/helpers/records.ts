// An operation record with every field a stored one has, for tests that build records by hand (the store, the state
// transitions, the task view): each test overrides only what it looks at.
import { newOperationId } from '../../functions/src/operations/ids.js';
import type { OperationRecord } from '../../functions/src/operations/record.js';

/** A RUNNING 8-s record of principal `p` created (and last updated) at `createdAt`, kept a day. */
export function testRecord(createdAt: Date, patch: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id: newOperationId(createdAt.getTime()),
    principal: 'p',
    status: 'RUNNING',
    request: { model: 'm', aspectRatio: '16:9', durationSeconds: 8, numberOfVideos: 1 },
    model: 'm',
    backend: 'vertex',
    simulated: false,
    requestHash: 'h',
    outputPrefix: 'videos/x/',
    outputs: [],
    estimatedCostUsd: 0,
    pollCount: 0,
    pollErrors: 0,
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
    expireAt: new Date(createdAt.getTime() + 86_400_000).toISOString(),
    ...patch,
  };
}
