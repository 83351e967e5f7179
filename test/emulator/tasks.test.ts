// Tasks (SEP-2663) are operations, so they outlive the instance that made them: two `mcp` instances share the
// Firestore, Pub/Sub and Storage emulators. Tasks are started on A, A is stopped, and B completes, fetches and
// cancels them; a third instance started afterwards (a restart or redeploy) still answers; and another principal
// gets "not found" on every instance.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { gcsWriter } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import {
  cloudDeployment,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { apiKeyHashes, keyPrincipal, tasksRpc, type RpcOptions } from '../helpers/tasks-rpc.js';

const BUCKET = 'veo-tasks-test';
const name = uniqueNames('tasks');

describe('tasks across mcp instances on the emulators', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let pubsub: PubSub;
  let db: Firestore;
  let env: Record<string, string>;
  const alice = randomBytes(16).toString('hex');
  const bob = randomBytes(16).toString('hex');
  const instances: TestServer[] = [];

  before(async () => {
    emulators = await useEmulators();
    simulator = new VeoSimulator({ delaySeconds: 1, writeObject: await gcsWriter() });
    pubsub = new PubSub({ projectId: emulators.projectId });
    db = new Firestore({ projectId: emulators.projectId });
    env = {
      ...(await cloudDeployment(emulators, pubsub, {
        bucket: BUCKET,
        name,
        veoBaseUrl: await simulator.listen(0),
      })),
      AUTH_MODE: 'api_key',
      API_KEY_HASHES: apiKeyHashes(alice, bob),
      POLL_INITIAL_DELAY_SECONDS: '0.25',
      POLL_INTERVAL_SECONDS: '0.25',
      POLL_MAX_INTERVAL_SECONDS: '1',
    };
  });
  after(async () => {
    for (const instance of instances) await instance.close().catch(() => {});
    await db?.terminate();
    await pubsub?.close();
    await simulator?.close();
    await emulators?.stop();
  });

  /** An `mcp` instance of the same deployment (same collections, topics, bucket). */
  async function instance(): Promise<TestServer> {
    const started = await startTestServer({ env });
    instances.push(started);
    return started;
  }
  const rpc = (on: TestServer, method: string, params: Record<string, unknown>, options: RpcOptions = {}) =>
    tasksRpc(on.mcpUrl, method, params, { key: alice, ...options });
  const start = async (on: TestServer, prompt: string): Promise<string> => {
    const args = { prompt, duration_seconds: 4, idempotency_key: `k-${randomBytes(6).toString('hex')}` };
    const created = await rpc(on, 'tools/call', { name: 'generate_video', arguments: args });
    assert.equal(created.result?.['resultType'], 'task', JSON.stringify(created));
    return created.result!['taskId'] as string;
  };

  test('started on A; A stops; B completes, fetches and cancels; a restarted instance still answers', async () => {
    const a = await instance();
    const finishing = await start(a, 'A harbour at dawn, boats leaving');
    const cancelling = await start(a, 'A long take of a desert road [sim:delay=600]');
    // A goes away: its process-local state (pending polls, caches) with it. The tasks live in Firestore.
    await a.close();
    instances.splice(instances.indexOf(a), 1);

    const b = await instance();
    const seen = await rpc(b, 'tasks/get', { taskId: finishing });
    assert.equal(seen.result?.['taskId'], finishing, JSON.stringify(seen));
    assert.ok(['working', 'completed'].includes(seen.result!['status']));

    // Completion on B: its bounded wait polls Veo when the operation's poll is due (A's queued polls are gone).
    const ended = await b.runtime.operations.wait(keyPrincipal(alice), finishing, { maxMs: 60_000 });
    assert.equal(ended.record.status, 'SUCCEEDED', JSON.stringify(ended.record.error));
    const done = await rpc(b, 'tasks/get', { taskId: finishing });
    assert.equal(done.result!['status'], 'completed');
    const result = done.result!['result'];
    assert.equal(result['structuredContent']['status'], 'SUCCEEDED');
    const link = result['structuredContent']['videos'][0]['url'] as string;
    const video = await fetch(link);
    assert.equal(video.status, 200, `${link}: ${video.status}`);
    assert.ok((await video.arrayBuffer()).byteLength > 0);

    const ack = await rpc(b, 'tasks/cancel', { taskId: cancelling });
    assert.equal(ack.result?.['resultType'], 'complete', JSON.stringify(ack));
    assert.equal((await rpc(b, 'tasks/get', { taskId: cancelling })).result!['status'], 'cancelled');
    const stored = await db.collection(env.FIRESTORE_COLLECTION!).doc(cancelling).get();
    assert.equal(stored.get('status'), 'CANCELLED', 'the cancel is in the shared store');

    // A restart (or redeploy): a new instance answers both from the record alone.
    await b.close();
    instances.splice(instances.indexOf(b), 1);
    const c = await instance();
    const later = await rpc(c, 'tasks/get', { taskId: finishing });
    assert.equal(later.result!['status'], 'completed');
    assert.equal(later.result!['result']['structuredContent']['operation_id'], finishing);
    assert.equal((await rpc(c, 'tasks/get', { taskId: cancelling })).result!['status'], 'cancelled');

    // Another principal, on any instance: exactly "not found", and nothing is touched.
    for (const [method, params] of [
      ['tasks/get', { taskId: finishing }],
      ['tasks/cancel', { taskId: finishing }],
    ] as const) {
      const refused = await rpc(c, method, params, { key: bob });
      assert.equal(refused.error?.code, -32602, `${method}: ${JSON.stringify(refused)}`);
      assert.match(
        refused.error!.message,
        /^Failed to retrieve task: .* does not name one of your operations/,
      );
    }
    const untouched = await db.collection(env.FIRESTORE_COLLECTION!).doc(finishing).get();
    assert.equal(untouched.get('status'), 'SUCCEEDED');
  });
});
