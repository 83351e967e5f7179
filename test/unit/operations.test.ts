// The domain service with real adapters: memory store, local blobs, in-process queue, the SDK against the simulator.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../functions/src/blobs/local.js';
import { loadConfig } from '../../functions/src/config/index.js';
import type { PollMessage, PollQueue } from '../../functions/src/operations/ports.js';
import { Operations } from '../../functions/src/operations/service.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { InProcessCompletionSink } from '../../functions/src/queue/inprocess.js';
import { MemoryOperationStore } from '../../functions/src/store/memory.js';
import { checkRequest } from '../../functions/src/veo/catalog.js';
import { VeoAdapter } from '../../functions/src/veo/adapter.js';

/** A queue that records what was enqueued; the test delivers messages itself, in any order, any number of times. */
class RecordingQueue implements PollQueue {
  readonly messages: PollMessage[] = [];
  async enqueue(message: PollMessage): Promise<void> {
    this.messages.push(message);
  }
}

describe('operations service', () => {
  let simulator: VeoSimulator;
  let dir: string;
  let ops: Operations;
  let queue: RecordingQueue;
  let store: MemoryOperationStore;
  const completions = new InProcessCompletionSink();
  const published: string[] = [];
  let failNextPublish = false;
  completions.events.on('completion', (event: { event_id: string }) => published.push(event.event_id));
  const publish = completions.publish.bind(completions);
  completions.publish = async (event, options) => {
    if (failNextPublish) {
      failNextPublish = false;
      throw new Error('completions topic unavailable');
    }
    await publish(event, options);
  };

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 0 });
    const baseUrl = await simulator.listen(0);
    dir = await mkdtemp(path.join(tmpdir(), 'ops-'));
    const config = loadConfig({ VEO_BACKEND: 'simulator', VEO_BASE_URL: baseUrl });
    queue = new RecordingQueue();
    store = new MemoryOperationStore();
    ops = new Operations({
      store,
      blobs: new LocalBlobStore({ dir, publicBaseUrl: 'http://127.0.0.1:1' }),
      queue,
      veo: new VeoAdapter({ veo: config.veo, baseUrl }),
      completions,
      settings: {
        poll: config.poll,
        operationDeadlineSeconds: 600,
        retentionDays: 1,
        outputPrefix: 'videos',
        submitGraceSeconds: 60,
        sweepGraceSeconds: 0,
        signedUrlTtlSeconds: 60,
      },
    });
  });
  after(async () => {
    await simulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  const request = (prompt: string) =>
    checkRequest({ prompt, duration_seconds: 4 }, 'gemini', 'veo-3.0-fast-generate-001', false);

  test('the same idempotency key started concurrently starts exactly one Veo job', async () => {
    const before = simulator.stats.submits;
    const { request: req, estimatedCostUsd } = request('concurrent');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        ops.start({ principal: 'p', request: req, idempotencyKey: 'same', estimatedCostUsd }),
      ),
    );
    assert.equal(new Set(results.map((r) => r.record.id)).size, 1);
    assert.equal(results.filter((r) => r.started).length, 1);
    assert.equal(simulator.stats.submits - before, 1);
  });

  test('idempotency keys are per principal', async () => {
    const { request: req, estimatedCostUsd } = request('per principal');
    const a = await ops.start({ principal: 'alice', request: req, idempotencyKey: 'k', estimatedCostUsd });
    const b = await ops.start({ principal: 'bob', request: req, idempotencyKey: 'k', estimatedCostUsd });
    assert.notEqual(a.record.id, b.record.id);
    await assert.rejects(ops.get('bob', a.record.id), { code: 'NOT_FOUND' });
  });

  test('duplicate, late and out-of-order poll messages are harmless', async () => {
    const { request: req, estimatedCostUsd } = request('duplicates');
    const { record } = await ops.start({ principal: 'p', request: req, estimatedCostUsd });
    const first = queue.messages.find((m) => m.operationId === record.id)!;
    const results = await Promise.all([
      ops.poll(first.operationId, first),
      ops.poll(first.operationId, first),
    ]);
    assert.ok(results.includes('finished'), `results ${results}`);
    const done = await ops.get('p', record.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.outputs.length, 1);
    const polls = simulator.stats.polls;
    assert.equal(await ops.poll(first.operationId, first), 'terminal', 'a late message changes nothing');
    assert.equal(simulator.stats.polls, polls, 'and does not call Veo');
    assert.deepEqual(await ops.get('p', record.id), done);
  });

  test('a stale message for an operation with a newer poll arranged does not call Veo', async () => {
    const { request: req, estimatedCostUsd } = request('slow one [sim:delay=60]');
    const { record } = await ops.start({ principal: 'p', request: req, estimatedCostUsd });
    const first = queue.messages.filter((m) => m.operationId === record.id).at(-1)!;
    assert.equal(await ops.poll(record.id, first), 'pending');
    const polls = simulator.stats.polls;
    assert.equal(await ops.poll(record.id, first), 'pending', 'the same message delivered again');
    assert.equal(simulator.stats.polls, polls, 'was dropped without a Veo call');
    assert.equal(queue.messages.filter((m) => m.operationId === record.id).length, 2, 'one poll chain');
  });

  test('a poll for an unknown operation is acknowledged without a Veo call', async () => {
    const polls = simulator.stats.polls;
    assert.equal(await ops.poll('01aaaaaaaaaaaaaaaaaaaaaaaa'), 'unknown');
    assert.equal(simulator.stats.polls, polls);
  });

  test('list pages newest first with a cursor and filters by status', async () => {
    const principal = 'lister';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { request: req, estimatedCostUsd } = request(`list ${i}`);
      ids.push((await ops.start({ principal, request: req, estimatedCostUsd })).record.id);
    }
    const first = await ops.list({ principal, limit: 2 });
    assert.deepEqual(
      first.records.map((r) => r.id),
      [ids[4], ids[3]],
    );
    const second = await ops.list({ principal, limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.records.map((r) => r.id),
      [ids[2], ids[1]],
    );
    const third = await ops.list({ principal, limit: 2, cursor: second.nextCursor });
    assert.deepEqual(
      third.records.map((r) => r.id),
      [ids[0]],
    );
    assert.equal(third.nextCursor, undefined);
    assert.equal((await ops.list({ principal, limit: 10, status: 'SUCCEEDED' })).records.length, 0);
  });

  test('the sweep re-enqueues live operations whose poll is overdue', async () => {
    const { request: req, estimatedCostUsd } = request('swept [sim:delay=60]');
    const { record } = await ops.start({ principal: 'p', request: req, estimatedCostUsd });
    await store.update(record.id, (r) => ({ ...r, nextPollAt: new Date(Date.now() - 1000).toISOString() }));
    const before = queue.messages.length;
    assert.ok((await ops.sweep()) >= 1);
    assert.ok(queue.messages.slice(before).some((m) => m.operationId === record.id));
  });

  test('a failed completion publish is retried by the redelivered poll, and the event goes out exactly once', async () => {
    const { request: req, estimatedCostUsd } = request('publish retry');
    const { record } = await ops.start({ principal: 'p', request: req, estimatedCostUsd });
    const message = queue.messages.filter((m) => m.operationId === record.id).at(-1)!;
    failNextPublish = true;
    await assert.rejects(ops.poll(record.id, message), /completions topic unavailable/);
    assert.equal((await ops.get('p', record.id)).status, 'SUCCEEDED');
    assert.equal(published.filter((id) => id === record.id).length, 0);
    assert.equal(await ops.poll(record.id, message), 'terminal', 'the redelivered message');
    assert.equal(await ops.poll(record.id, message), 'terminal', 'and another duplicate');
    assert.equal(published.filter((id) => id === record.id).length, 1);
    assert.ok((await ops.get('p', record.id)).completionPublishedAt);
  });
});
