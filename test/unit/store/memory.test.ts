// The in-memory OperationStore (npm start, domain tests): listing pages and the sweep's work list.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OperationRecord } from '../../../functions/src/operations/record.js';
import { MemoryOperationStore } from '../../../functions/src/store/memory.js';
import { testRecord } from '../../helpers/records.js';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const record = (i: number, patch: Partial<OperationRecord> = {}): OperationRecord =>
  testRecord(new Date(T0 + i), {
    principal: 'lister',
    outputPrefix: `videos/${i}/`,
    expireAt: new Date(T0 + 86_400_000).toISOString(),
    ...patch,
  });

describe('memory operation store', () => {
  test("lists a principal's operations newest first, by status, a page at a time", async () => {
    const store = new MemoryOperationStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = record(i, { status: i === 2 ? 'SUCCEEDED' : 'RUNNING' });
      ids.push(r.id);
      await store.create(r);
    }
    await store.create(record(9, { principal: 'someone-else' }));
    const first = await store.list({ principal: 'lister', limit: 2 });
    assert.deepEqual(
      first.records.map((r) => r.id),
      [ids[4], ids[3]],
    );
    const second = await store.list({ principal: 'lister', limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.records.map((r) => r.id),
      [ids[2], ids[1]],
    );
    const third = await store.list({ principal: 'lister', limit: 2, cursor: second.nextCursor });
    assert.deepEqual(
      third.records.map((r) => r.id),
      [ids[0]],
    );
    assert.equal(third.nextCursor, undefined);
    const succeeded = await store.list({ principal: 'lister', limit: 10, status: 'SUCCEEDED' });
    assert.deepEqual(
      succeeded.records.map((r) => r.id),
      [ids[2]],
    );
  });

  test('the sweep finds every record with work due: live polls and unpublished events, not finished ones', async () => {
    const store = new MemoryOperationStore();
    const due = new Date(T0 + 60_000);
    const live = record(1, { nextPollAt: new Date(T0 + 10_000).toISOString() });
    const later = record(2, { nextPollAt: new Date(T0 + 120_000).toISOString() });
    const unpublished = record(3, { status: 'FAILED', nextPollAt: new Date(T0 + 20_000).toISOString() });
    const done = record(4, { status: 'SUCCEEDED', completionPublishedAt: new Date(T0).toISOString() });
    for (const r of [live, later, unpublished, done]) await store.create(r);
    const found = (await store.findDue(due, 10)).map((r) => r.id).sort();
    assert.deepEqual(found, [live.id, unpublished.id].sort());
    assert.equal((await store.findDue(due, 1)).length, 1, 'at most the limit');
  });
});
