import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newOperationId, OPERATION_ID_PATTERN } from '../../functions/src/operations/ids.js';
import {
  OPERATION_STATUSES,
  TERMINAL_STATUSES,
  type OperationRecord,
} from '../../functions/src/operations/record.js';
import { canTransition, transition } from '../../functions/src/operations/state.js';

const record = (status: OperationRecord['status']): OperationRecord => ({
  id: newOperationId(),
  principal: 'p',
  status,
  request: { model: 'm', aspectRatio: '16:9', durationSeconds: 8, numberOfVideos: 1 },
  model: 'm',
  backend: 'gemini',
  simulated: true,
  requestHash: 'h',
  outputPrefix: 'videos/x/',
  outputs: [],
  estimatedCostUsd: 0,
  pollCount: 0,
  pollErrors: 0,
  nextPollAt: new Date().toISOString(),
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  expireAt: new Date().toISOString(),
});

describe('operation state machine', () => {
  test('terminal states never change', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of OPERATION_STATUSES) {
        assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
        assert.throws(() => transition(record(from), to, {}, new Date()), /cannot move/);
      }
    }
  });

  test('QUEUED goes to RUNNING, RUNNING to every final state', () => {
    assert.equal(canTransition('QUEUED', 'RUNNING'), true);
    assert.equal(canTransition('QUEUED', 'SUCCEEDED'), false);
    for (const to of TERMINAL_STATUSES) assert.equal(canTransition('RUNNING', to), true);
  });

  test('finishing stamps completedAt and clears the next poll', () => {
    const done = transition(record('RUNNING'), 'SUCCEEDED', {}, new Date('2026-01-01T00:00:00Z'));
    assert.equal(done.completedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(done.nextPollAt, undefined);
  });
});

describe('operation ids', () => {
  test('are URL-safe and sort by creation time', () => {
    const earlier = newOperationId(1_700_000_000_000);
    const later = newOperationId(1_700_000_000_001);
    assert.match(earlier, OPERATION_ID_PATTERN);
    assert.equal(encodeURIComponent(earlier), earlier);
    assert.ok(earlier < later);
    assert.notEqual(newOperationId(5), newOperationId(5));
  });
});
