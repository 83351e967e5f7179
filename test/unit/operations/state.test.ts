// The pure transitions: each returns the record to store, or undefined to leave it alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newOperationId, OPERATION_ID_PATTERN } from '../../../functions/src/operations/ids.js';
import {
  OPERATION_STATUSES,
  TERMINAL_STATUSES,
  type OperationRecord,
} from '../../../functions/src/operations/record.js';
import {
  canTransition,
  claimPoll,
  finishWith,
  markPublished,
  markRunning,
  needsPublish,
  recordPoll,
  releasePublishLease,
  takePublishLease,
  type Ending,
} from '../../../functions/src/operations/state.js';
import { testRecord } from '../../helpers/records.js';

const T0 = new Date('2026-12-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const lease = (token: string, seconds = 60) => ({ token, until: at(seconds) });
const failed: Ending = { status: 'FAILED', error: { code: 'X', message: 'x', retryable: false } };

const record = (status: OperationRecord['status'], patch: Partial<OperationRecord> = {}): OperationRecord =>
  testRecord(T0, { status, nextPollAt: at(10).toISOString(), ...patch });

describe('operation state', () => {
  test('terminal states never change', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of OPERATION_STATUSES) assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
      const ended = record(from);
      assert.equal(markRunning(ended, { veoOperationName: 'n', simulated: false }, at(10), at(1)), undefined);
      assert.equal(
        claimPoll(ended, { scheduledFor: undefined, claim: 'c', holdUntil: at(60) }, at(1)),
        undefined,
      );
      assert.equal(recordPoll(ended, { failed: false, nextPollAt: at(20) }, at(1)), undefined);
      assert.equal(finishWith(ended, failed, lease('t'), at(1)), undefined);
    }
  });

  test('finishing ends the operation and takes the publish lease in one change', () => {
    const running = record('RUNNING', { veoOperationName: 'n', pollCount: 2 });
    const ended = finishWith(running, { status: 'SUCCEEDED', outputs: [] }, lease('t1'), at(5))!;
    assert.equal(ended.status, 'SUCCEEDED');
    assert.equal(ended.completedAt, at(5).toISOString());
    assert.equal(ended.pollCount, 3);
    assert.equal(ended.announceToken, 't1');
    assert.equal(ended.nextPollAt, at(60).toISOString(), 'due for the sweep until the event is out');
    assert.ok(needsPublish(ended));
    assert.equal(takePublishLease(ended, lease('t2', 70), at(6)), undefined, 'the lease is held');
    const taken = takePublishLease(ended, lease('t2', 130), at(61))!;
    assert.equal(taken.announceToken, 't2', 'an expired lease can be taken over');
    assert.equal(markPublished(taken, 't1', at(62)), undefined, 'the old holder cannot mark it');
    const published = markPublished(taken, 't2', at(62))!;
    assert.equal(published.completionPublishedAt, at(62).toISOString());
    assert.equal(published.nextPollAt, undefined);
    assert.equal(needsPublish(published), false);
    assert.equal(takePublishLease(published, lease('t3'), at(200)), undefined);
  });

  test('a failed publish gives the lease back and leaves the event due now', () => {
    const ended = finishWith(record('RUNNING'), failed, lease('t1'), at(5))!;
    const released = releasePublishLease(ended, 't1', at(6))!;
    assert.equal(released.announceLeaseUntil, undefined);
    assert.equal(released.nextPollAt, at(6).toISOString());
    assert.ok(takePublishLease(released, lease('t2'), at(7)));
    assert.equal(releasePublishLease(ended, 'other', at(6)), undefined);
  });

  test('QUEUED may end SUCCEEDED (outputs found by reconciling) but not FILTERED', () => {
    assert.equal(canTransition('QUEUED', 'SUCCEEDED'), true);
    assert.equal(canTransition('QUEUED', 'FILTERED'), false);
    const filtered: Ending = {
      status: 'FILTERED',
      error: { code: 'FILTERED', message: 'f', retryable: false },
    };
    assert.throws(
      () => finishWith(record('QUEUED'), filtered, lease('t'), at(1)),
      /cannot move from QUEUED to FILTERED/,
    );
  });

  test('a poll claims its slot unless a newer poll is arranged or another poll holds it', () => {
    const slot10 = at(10).toISOString();
    const running = record('RUNNING', { nextPollAt: slot10 });
    const claimed = claimPoll(running, { scheduledFor: slot10, claim: 'a', holdUntil: at(70) }, at(10))!;
    assert.deepEqual([claimed.nextPollAt, claimed.pollClaim], [at(70).toISOString(), 'a']);
    assert.equal(
      claimPoll(claimed, { scheduledFor: slot10, claim: 'b', holdUntil: at(71) }, at(11)),
      undefined,
    );
    assert.equal(
      claimPoll(claimed, { scheduledFor: undefined, claim: 'b', holdUntil: at(71) }, at(11)),
      undefined,
      "Veo's notice waits for the poll in progress",
    );
    assert.equal(
      claimPoll(claimed, { scheduledFor: slot10, claim: 'b', holdUntil: at(131) }, at(71))!.pollClaim,
      'b',
      'a claim whose holder died lapses',
    );
    const recorded = recordPoll(claimed, { failed: false, nextPollAt: at(20) }, at(12))!;
    assert.equal(recorded.pollClaim, undefined);
    assert.equal(
      claimPoll(recorded, { scheduledFor: slot10, claim: 'c', holdUntil: at(72) }, at(12)),
      undefined,
      'a late copy of the 10 s slot',
    );
    assert.ok(
      claimPoll(recorded, { scheduledFor: undefined, claim: 'c', holdUntil: at(72) }, at(12)),
      'a notice',
    );
  });

  test('a recorded poll counts Veo polls and consecutive errors', () => {
    const running = record('RUNNING', { veoOperationName: 'n', pollErrors: 2 });
    const failedPoll = recordPoll(running, { failed: true, nextPollAt: at(40) }, at(10))!;
    assert.deepEqual(
      [failedPoll.pollCount, failedPoll.pollErrors, failedPoll.nextPollAt],
      [1, 3, at(40).toISOString()],
    );
    assert.equal(recordPoll(failedPoll, { failed: false, nextPollAt: at(50) }, at(40))!.pollErrors, 0);
    const queued = recordPoll(record('QUEUED'), { failed: false, nextPollAt: at(20) }, at(10))!;
    assert.equal(queued.pollCount, 0, 'waiting for the submit is not a Veo poll');
  });

  test('markRunning only moves a QUEUED operation', () => {
    const running = markRunning(record('QUEUED'), { veoOperationName: 'n', simulated: true }, at(20), at(1))!;
    assert.deepEqual([running.status, running.veoOperationName, running.simulated], ['RUNNING', 'n', true]);
    assert.equal(markRunning(running, { veoOperationName: 'm', simulated: false }, at(20), at(2)), undefined);
  });
});

describe('operation ids', () => {
  test('are URL-safe ULIDs that sort by creation time', () => {
    const earlier = newOperationId(1_700_000_000_000);
    const later = newOperationId(1_700_000_000_001);
    assert.match(earlier, OPERATION_ID_PATTERN);
    assert.equal(earlier.slice(0, 10), '01hf7yat00', 'the ULID time prefix');
    assert.ok(earlier < later);
    assert.notEqual(newOperationId(5), newOperationId(5));
  });
});
