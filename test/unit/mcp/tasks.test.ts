// How an operation record reads as a SEP-2663 task: status, TTL, poll interval and status message, at a given time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTaskResult, taskOf, taskStatusOf, TASK_TOOLS } from '../../../functions/src/mcp/tasks.js';
import { OPERATION_STATUSES, type OperationRecord } from '../../../functions/src/operations/record.js';
import { testRecord } from '../../helpers/records.js';

const T0 = new Date('2026-12-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const record = (status: OperationRecord['status'], patch: Partial<OperationRecord> = {}): OperationRecord =>
  testRecord(T0, {
    status,
    request: { model: 'veo-3.1-generate-001', aspectRatio: '16:9', durationSeconds: 8, numberOfVideos: 1 },
    model: 'veo-3.1-generate-001',
    updatedAt: at(5).toISOString(),
    expireAt: at(30 * 86_400).toISOString(),
    ...patch,
  });

describe('operation records as tasks', () => {
  test('status: in progress is working, CANCELLED is cancelled, every other end is a completed tool call', () => {
    const expected: Record<string, string> = {
      QUEUED: 'working',
      RUNNING: 'working',
      SUCCEEDED: 'completed',
      FAILED: 'completed',
      FILTERED: 'completed',
      EXPIRED: 'completed',
      CANCELLED: 'cancelled',
    };
    for (const status of OPERATION_STATUSES) assert.equal(taskStatusOf(status), expected[status], status);
  });

  test('the task is the record: id, times, and TTL = its retention in integer milliseconds', () => {
    const r = record('RUNNING', { submittedAt: at(2).toISOString(), nextPollAt: at(15).toISOString() });
    const task = taskOf(r, at(10));
    assert.equal(task.taskId, r.id);
    assert.equal(task.createdAt, r.createdAt);
    assert.equal(task.lastUpdatedAt, r.updatedAt);
    assert.equal(task.ttlMs, 30 * 86_400_000);
    assert.equal(task.statusMessage, 'RUNNING at veo-3.1-generate-001 for 8s (8s of video).');
  });

  test('pollIntervalMs: until the next poll or estimated start, within 1–60 s, integer; none once ended', () => {
    const running = (nextPollAt?: string) => record('RUNNING', nextPollAt ? { nextPollAt } : {});
    assert.equal(taskOf(running(at(14.2).toISOString()), at(10)).pollIntervalMs, 4200);
    assert.equal(taskOf(running(at(10.1).toISOString()), at(10)).pollIntervalMs, 1000, 'floor');
    assert.equal(taskOf(running(at(5).toISOString()), at(10)).pollIntervalMs, 1000, 'overdue: floor');
    assert.equal(taskOf(running(at(600).toISOString()), at(10)).pollIntervalMs, 60_000, 'ceiling');
    assert.equal(taskOf(running(), at(10)).pollIntervalMs, 5000, 'no schedule: the fallback');
    assert.ok(Number.isInteger(taskOf(running(at(10.0004).toISOString()), at(10)).pollIntervalMs));
    const waiting = record('QUEUED', {
      nextPollAt: at(12).toISOString(),
      waiting: {
        since: T0.toISOString(),
        reason: 'paced',
        attempts: 0,
        estimatedStartAt: at(40).toISOString(),
      },
    });
    assert.equal(taskOf(waiting, at(10)).pollIntervalMs, 30_000, 'a queued one until its estimated start');
    for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const)
      assert.equal(taskOf(record(status), at(10)).pollIntervalMs, undefined, status);
  });

  test('statusMessage says where the generation is, and why it ended', () => {
    const waiting = record('QUEUED', {
      waiting: { since: T0.toISOString(), reason: 'quota', attempts: 2, position: 0 },
    });
    assert.match(
      taskOf(waiting, at(30)).statusMessage!,
      /^QUEUED for 30s\. Waiting for its turn at Veo: .*429/,
    );
    assert.equal(
      taskOf(record('SUCCEEDED', { outputs: [{ uri: 'gs://b/o', mimeType: 'video/mp4', bytes: 9 }] }), at(1))
        .statusMessage,
      'SUCCEEDED: 1 video(s); signed links in result.',
    );
    const failed = record('FAILED', {
      error: { code: 'UPSTREAM', message: 'Veo said no.', retryable: false },
    });
    assert.equal(taskOf(failed, at(1)).statusMessage, 'FAILED: Veo said no.');
  });

  test('CreateTaskResult is flat, resultType "task", and carries no v1 keys', () => {
    const created = createTaskResult(record('QUEUED'), at(1)) as unknown as Record<string, unknown>;
    assert.equal(created['resultType'], 'task');
    assert.equal(created['status'], 'working');
    for (const v1 of ['task', 'ttl', 'pollInterval', 'result']) assert.equal(v1 in created, false, v1);
  });

  test('exactly the three starting tools may answer with a task', () => {
    assert.deepEqual([...TASK_TOOLS].sort(), ['edit_video', 'extend_video', 'generate_video']);
  });
});
