// The Google Cloud adapters against the emulators: Firestore transactions and queries, GCS objects and signed
// URLs, the poller function's handling of every kind of message, and recovery from a crash after Veo accepted.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { loadConfig } from '../../functions/src/config/index.js';
import { newOperationId } from '../../functions/src/operations/ids.js';
import type { OperationRecord } from '../../functions/src/operations/record.js';
import { hashRequest } from '../../functions/src/operations/request-hash.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { createRuntime, type Runtime } from '../../functions/src/runtime.js';
import { gcsWriter } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { checkRequest } from '../../functions/src/video/check.js';
import {
  cloudDeployment,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';
import { readMp4 } from '../helpers/mp4.js';

const BUCKET = 'veo-backends-test';
const name = uniqueNames('backends');
let suite = 0;

describe('Google Cloud backends on the emulators', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let simulatorUrl: string;
  let pubsub: PubSub;
  const runtimes: Runtime[] = [];

  before(async () => {
    emulators = await useEmulators();
    simulator = new VeoSimulator({ delaySeconds: 0.3, writeObject: await gcsWriter() });
    simulatorUrl = await simulator.listen(0);
    pubsub = new PubSub({ projectId: emulators.projectId });
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.close();
    await pubsub?.close();
    await simulator?.close();
    await emulators?.stop();
  });

  async function cloudRuntime(backend: 'vertex', env: Record<string, string> = {}): Promise<Runtime> {
    const n = ++suite;
    const settings = await cloudDeployment(emulators, pubsub, {
      bucket: BUCKET,
      name: (what) => name(`${what}-${n}`),
      veoBaseUrl: simulatorUrl,
    });
    const runtime = await createRuntime(
      loadConfig({ ...settings, VEO_BACKEND: backend, POLL_HANDLER_MAX_WAIT_SECONDS: '2', ...env }),
    );
    runtimes.push(runtime);
    return runtime;
  }

  const request = (prompt: string) =>
    checkRequest({ prompt, duration_seconds: 4 }, 'vertex', 'veo-3.1-fast-generate-001', {});

  // Ten, not more: an instance queues its starts (store/firestore.ts), so the calls meet the key document one after
  // another whatever their number, and each one more is one more transaction (50 cost the emulator seconds of CPU).
  test('10 concurrent calls with one idempotency key start exactly one Veo job and reserve its seconds once (Firestore transaction)', async () => {
    const runtime = await cloudRuntime('vertex');
    const submits = simulator.stats.submits;
    const principal = `idem-${Date.now()}`;
    const { request: req, estimatedCostUsd } = request('one job only');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        runtime.operations.start({ principal, request: req, idempotencyKey: 'once', estimatedCostUsd }),
      ),
    );
    assert.equal(new Set(results.map((r) => r.record.id)).size, 1);
    assert.equal(results.filter((r) => r.started).length, 1);
    assert.equal(simulator.stats.submits - submits, 1);
    const { usage } = await runtime.operations.usage(principal);
    assert.equal(usage.principalDaySeconds, 4, 'one 4-second reservation, not 10');
    assert.equal(usage.running, 1);
  });

  test('records carry expireAt as a Firestore Timestamp for TTL, and list pages newest first', async () => {
    const runtime = await cloudRuntime('vertex');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { request: req, estimatedCostUsd } = request(`page ${i}`);
      ids.push(
        (await runtime.operations.start({ principal: 'lister', request: req, estimatedCostUsd })).record.id,
      );
    }
    const db = new Firestore({ projectId: emulators.projectId });
    const snap = await db.collection(runtime.config.store.collection).doc(ids[0]!).get();
    assert.ok(snap.get('expireAt') instanceof Timestamp);
    await db.terminate();
    const first = await runtime.operations.list({ principal: 'lister', limit: 2 });
    assert.deepEqual(
      first.records.map((r) => r.id),
      [ids[2], ids[1]],
    );
    const second = await runtime.operations.list({ principal: 'lister', limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.records.map((r) => r.id),
      [ids[0]],
    );
    assert.equal(second.nextCursor, undefined);
    const running = await runtime.operations.list({ principal: 'lister', limit: 10, status: 'RUNNING' });
    assert.equal(running.records.length, 3);
  });

  test('GCS: streamed upload, metadata, signed URL capped at 7 days, listing', async () => {
    const runtime = await cloudRuntime('vertex');
    const payload = Buffer.alloc(3 * 1024 * 1024, 9);
    const stored = await runtime.blobs.put(
      'videos/streamed/video-0.mp4',
      Readable.from([payload.subarray(0, 1e6), payload.subarray(1e6)]),
      'video/mp4',
    );
    assert.deepEqual(stored, {
      uri: `gs://${BUCKET}/videos/streamed/video-0.mp4`,
      mimeType: 'video/mp4',
      bytes: payload.length,
    });
    const { url } = await runtime.blobs.signedUrl(stored.uri, 30 * 24 * 3600);
    // Capped at V4's 7 days (604800 s), counted by the signer from its own clock a few milliseconds later.
    const expires = Number(new URL(url).searchParams.get('X-Goog-Expires'));
    assert.ok(expires <= 604800 && expires >= 604800 - 5, `X-Goog-Expires=${expires}`);
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.ok(body.equals(payload));
    assert.deepEqual(await runtime.blobs.listOutputs('videos/streamed/'), [stored]);
    assert.equal(await runtime.blobs.stat(`gs://${BUCKET}/videos/missing.mp4`), undefined);
  });

  describe('poller function', () => {
    let server: Server;
    let url: string;
    let runtime: Runtime;

    before(async () => {
      runtime = await cloudRuntime('vertex');
      cloudEvent<PubSubMessageData>('poller-under-test', async (event: CloudEvent<PubSubMessageData>) => {
        await createPollerHandler(async () => runtime)(event);
      });
      server = getTestServer('poller-under-test');
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      // Pub/Sub push endpoints name the topic in the path, as functions-framework expects.
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/projects/${emulators.projectId}/topics/poll`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    /** Delivers a Pub/Sub push body, as the Pub/Sub emulator and Cloud Pub/Sub do. 2xx acknowledges it. */
    async function push(data: string | object, attributes: Record<string, string> = {}): Promise<number> {
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message: {
            data: Buffer.from(text).toString('base64'),
            attributes,
            messageId: String(Math.random()),
          },
          subscription: `projects/${emulators.projectId}/subscriptions/poll`,
        }),
      });
      await response.arrayBuffer();
      return response.status;
    }

    test('malformed payloads, unknown ids and wrong attributes are acknowledged, never retried', async () => {
      const polls = simulator.stats.polls;
      assert.equal(await push('{not json'), 204);
      assert.equal(await push('[1,2,3]'), 204);
      assert.equal(await push({ operationId: '../../etc' }), 204);
      assert.equal(await push({ operationId: newOperationId() }), 204);
      assert.equal(await push({ operationId: newOperationId() }, { type: 'surprise' }), 204);
      assert.equal(simulator.stats.polls, polls, 'no Veo call for any of them');
    });

    const startVertex = (prompt: string) => {
      const { request: req, estimatedCostUsd } = checkRequest(
        { prompt, duration_seconds: 4 },
        'vertex',
        'veo-3.1-fast-generate-001',
        {},
      );
      return runtime.operations.start({ principal: 'p', request: req, estimatedCostUsd });
    };

    test('a completion notice that arrives before Veo is done changes nothing', async () => {
      const { record } = await startVertex('notice too early [sim:never]');
      // A notice is only a hint: the poller asks Veo, which is not done.
      assert.equal(await push({ name: record.veoOperationName, done: true }), 204);
      assert.equal((await runtime.operations.get('p', record.id)).status, 'RUNNING');
    });

    test("Veo's completion notice polls the matching operation and finishes it", async () => {
      // Listening before the submit: Veo may finish before start() returns.
      const completedNames = new Set<string>();
      const onCompleted = new Set<() => void>();
      const listener = (name: string) => {
        completedNames.add(name);
        for (const check of onCompleted) check();
      };
      simulator.events.on('completed', listener);
      try {
        const { record } = await startVertex('notice');
        await new Promise<void>((resolve) => {
          const check = () => completedNames.has(record.veoOperationName!) && resolve();
          onCompleted.add(check);
          check();
        });
        assert.equal(await push({ name: record.veoOperationName, done: true }), 204);
        await runtime.operations.wait('p', record.id, { maxMs: 30_000 });
        const final = await runtime.operations.get('p', record.id);
        assert.equal(final.status, 'SUCCEEDED');
        assert.match(
          final.outputs[0]!.uri,
          new RegExp(`^gs://${BUCKET}/videos/${record.id}/\\d+/sample_0\\.mp4$`),
        );
      } finally {
        simulator.events.off('completed', listener);
      }
    });

    test('a sweep message re-enqueues operations whose poll message was lost', async () => {
      const { request: req, estimatedCostUsd } = checkRequest(
        { prompt: 'lost [sim:delay=60]', duration_seconds: 4 },
        'vertex',
        'veo-3.1-fast-generate-001',
        {},
      );
      const { record } = await runtime.operations.start({ principal: 'p', request: req, estimatedCostUsd });
      await runtime.store.update(record.id, (r) => ({
        ...r,
        nextPollAt: new Date(Date.now() - 3600_000).toISOString(),
      }));
      const subscription = (
        await pubsub.topic(runtime.config.queue.pollTopic).createSubscription(name(`sweep-watch-${suite}`))
      )[0];
      const republished = new Promise<Record<string, string>>((resolve) =>
        subscription.on('message', (message) => {
          message.ack();
          if (message.attributes['operationId'] === record.id) resolve(message.attributes);
        }),
      );
      assert.equal(await push({ type: 'sweep' }, { type: 'sweep' }), 204);
      assert.equal((await republished)['type'], 'poll');
      await subscription.close();
    });
  });

  {
    const backend = 'vertex' as const;
    test(`${backend}: a crash between "Veo accepted" and "record updated" does not lose the operation`, async () => {
      const runtime = await cloudRuntime(backend);
      const { request: req, estimatedCostUsd } = checkRequest(
        { prompt: 'crash', duration_seconds: 4 },
        backend,
        'veo-3.1-fast-generate-001',
        {},
      );
      // What start() leaves behind when the instance dies right after Veo accepted: the QUEUED record written
      // first, Veo's job running, and no operation name recorded. Its submit is long past (2 minutes ago).
      const id = newOperationId();
      const createdAt = new Date(Date.now() - 120_000).toISOString();
      const record: OperationRecord = {
        id,
        principal: 'p',
        status: 'QUEUED',
        request: req,
        model: req.model,
        backend,
        simulated: false,
        requestHash: hashRequest(req),
        outputPrefix: `videos/${id}/`,
        outputs: [],
        estimatedCostUsd,
        pollCount: 0,
        pollErrors: 0,
        nextPollAt: new Date(Date.now() - 60_000).toISOString(),
        createdAt,
        updatedAt: createdAt,
        expireAt: new Date(Date.now() + 86_400_000).toISOString(),
      };
      await runtime.store.create(record);
      if (backend === 'vertex') {
        const { VeoAdapter } = await import('../../functions/src/video/veo.js');
        const veo = new VeoAdapter({ veo: runtime.config.veo, baseUrl: simulatorUrl });
        const written = new Promise<void>((resolve) => {
          const onCompleted = (name: string) => {
            if (name !== accepted.operationName) return;
            simulator.events.off('completed', onCompleted);
            resolve();
          };
          simulator.events.on('completed', onCompleted);
        });
        const accepted = await veo.submit(
          req,
          {},
          {
            operationId: record.id,
            principal: record.principal,
            outputUri: runtime.blobs.outputUriFor(record.outputPrefix),
          },
        );
        await written; // Veo finishes and writes its outputs; nobody is following it.
      }
      const due = await runtime.store.findDue(
        new Date(Date.now() - runtime.config.queue.sweepGraceSeconds * 1000),
        100,
      );
      assert.ok(
        due.some((r) => r.id === id),
        'the sweep finds the orphaned record',
      );
      assert.equal(await runtime.operations.poll(id), 'finished');
      const final = await runtime.operations.get('p', id);
      if (backend === 'vertex') {
        assert.equal(final.status, 'SUCCEEDED');
        const { url } = await runtime.blobs.signedUrl(final.outputs[0]!.uri, 60);
        assert.equal(readMp4(Buffer.from(await (await fetch(url)).arrayBuffer())).durationSeconds, 4);
      } else {
        assert.equal(final.status, 'FAILED');
        assert.equal(final.error?.code, 'UNKNOWN_SUBMISSION');
        assert.match(final.error!.message, /stopped before recording Veo's answer/);
      }
    });
  }
});
