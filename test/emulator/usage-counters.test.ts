// The spend limits on the Firestore adapter (emulator): reservations in the transaction that creates the record,
// releases in the one that ends it, per-minute calls, and counter documents whose ids never contain the principal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { loadConfig } from '../../functions/src/config/index.js';
import { LimitExceededError } from '../../functions/src/operations/index.js';
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
import { ManualClock } from '../helpers/manual-clock.js';

const BUCKET = 'veo-usage-counters';
const name = uniqueNames('usage');
let suite = 0;

describe('usage counters on Firestore', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let simulatorUrl: string;
  let pubsub: PubSub;
  let db: Firestore;
  const runtimes: Runtime[] = [];

  before(async () => {
    emulators = await useEmulators();
    simulator = new VeoSimulator({ delaySeconds: 3600, writeObject: await gcsWriter() });
    simulatorUrl = await simulator.listen(0);
    pubsub = new PubSub({ projectId: emulators.projectId });
    db = new Firestore({ projectId: emulators.projectId });
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.close();
    await db?.terminate();
    await pubsub?.close();
    await simulator?.close();
    await emulators?.stop();
  });

  /** Fresh collections and topics for one deployment. */
  async function deployment(): Promise<Record<string, string>> {
    const n = ++suite;
    const settings = await cloudDeployment(emulators, pubsub, {
      bucket: BUCKET,
      name: (what) => name(`${what}-${n}`),
      veoBaseUrl: simulatorUrl,
    });
    return settings;
  }

  async function cloudRuntime(
    limits: Record<string, string>,
    clock?: ManualClock,
    settings?: Record<string, string>,
  ): Promise<Runtime> {
    const runtime = await createRuntime(loadConfig({ ...(settings ?? (await deployment())), ...limits }), {
      clock,
    });
    runtimes.push(runtime);
    return runtime;
  }

  const start = (runtime: Runtime, principal: string, options: { key?: string; prompt?: string } = {}) => {
    const { request, estimatedCostUsd } = checkRequest(
      { prompt: options.prompt ?? `a fox ${Math.random()}`, duration_seconds: 8 },
      'vertex',
      'veo-3.1-fast-generate-001',
      {},
    );
    return runtime.operations.start({ principal, request, estimatedCostUsd, idempotencyKey: options.key });
  };

  /** Everything a refusal must leave alone: records, counters, Veo submits. */
  const snapshot = async (runtime: Runtime, principal: string) => ({
    records: (await db.collection(runtime.config.store.collection).where('principal', '==', principal).get())
      .size,
    counters: (await db.collection(runtime.config.store.usageCollection).get()).docs
      .map((d) => `${d.id}=${JSON.stringify(d.get('seconds') ?? d.get('running') ?? d.get('calls'))}`)
      .sort(),
    submits: simulator.stats.submits,
  });

  test('the daily limit is reached exactly; the refusal writes nothing', async () => {
    const runtime = await cloudRuntime({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '24' });
    for (let i = 0; i < 3; i++) await start(runtime, 'alice');
    const before = await snapshot(runtime, 'alice');
    await assert.rejects(start(runtime, 'alice'), (err: unknown) => {
      assert.ok(err instanceof LimitExceededError);
      assert.match(
        err.message,
        /^DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started 24 of 24 seconds/,
      );
      return true;
    });
    assert.deepEqual(await snapshot(runtime, 'alice'), before);
    assert.equal(before.records, 3);
  });

  test('concurrent starts of one principal on one instance never go over the limit', async () => {
    const runtime = await cloudRuntime({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '40' });
    const submits = simulator.stats.submits;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => start(runtime, 'bob')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof LimitExceededError));
    assert.equal((await snapshot(runtime, 'bob')).records, 5);
    assert.equal(simulator.stats.submits - submits, 5);
    assert.equal((await runtime.operations.usage('bob')).usage.principalDaySeconds, 40);
  });

  test('a cancel gives the running slot back once and, Veo having accepted it, keeps the seconds; a replay reserves nothing', async () => {
    const runtime = await cloudRuntime({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8' });
    const { record } = await start(runtime, 'carol', { key: 'k1', prompt: 'same' });
    const replay = await start(runtime, 'carol', { key: 'k1', prompt: 'same' });
    assert.equal(replay.started, false);
    assert.deepEqual((await runtime.operations.usage('carol')).usage, {
      principalDaySeconds: 8,
      totalDaySeconds: 8,
      running: 1,
      callsThisMinute: 0,
    });
    await runtime.operations.cancel('carol', record.id);
    await runtime.operations.cancel('carol', record.id); // already ended: nothing more
    await runtime.operations.poll(record.id);
    const released = (await runtime.operations.usage('carol')).usage;
    assert.deepEqual(released, {
      principalDaySeconds: 8,
      totalDaySeconds: 8,
      running: 0,
      callsThisMinute: 0,
    });
    await assert.rejects(start(runtime, 'carol'), LimitExceededError, 'Veo may bill it: the 8 s stay spent');
  });

  test('releases racing starts at the limit, on two instances, keep the counters equal to what is live', async () => {
    // One generation at Veo at a time: the other four wait in line, holding their seconds but no running slot.
    const limits = { DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '40', MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '1' };
    // Two instances on the same collections and topics.
    const settings = await deployment();
    const one = await cloudRuntime(limits, undefined, settings);
    const two = await cloudRuntime(limits, undefined, settings);
    const first = [];
    for (let i = 0; i < 5; i++) first.push(await start(one, 'erin'));
    assert.deepEqual(
      first.map(({ record }) => record.status),
      ['RUNNING', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED'],
    );
    assert.deepEqual(
      (await one.operations.usage('erin')).usage,
      { principalDaySeconds: 40, totalDaySeconds: 40, running: 1, callsThisMinute: 0 },
      'at the daily limit',
    );
    // Each cancel of a waiting one gives back 8 s in a transaction that only increments the counters, while the
    // starts read them and write absolute values: a release lost under a start would leave the counters too high.
    const waiting = first.slice(1);
    const results = await Promise.allSettled([
      ...waiting.map(({ record }, i) => (i % 2 ? one : two).operations.cancel('erin', record.id)),
      ...Array.from({ length: 10 }, (_, i) => start(i % 2 ? two : one, 'erin')),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(
      refused.every((r) => r.reason instanceof LimitExceededError),
      String(refused.map((r) => r.reason)),
    );
    const records = (
      await db.collection(one.config.store.collection).where('principal', '==', 'erin').get()
    ).docs.map((d) => String(d.get('status')));
    const live = records.filter((status) => status !== 'CANCELLED').length;
    assert.equal(records.length - 5, 10 - refused.length, 'a record for every start that was admitted');
    assert.equal(records.filter((status) => status === 'CANCELLED').length, 4);
    assert.ok(live <= 5, `${live} operations live under a daily limit of 5 × 8 s`);
    assert.deepEqual((await two.operations.usage('erin')).usage, {
      principalDaySeconds: 8 * live,
      totalDaySeconds: 8 * live,
      running: 1,
      callsThisMinute: 0,
    });
  });

  test('counter ids are hashes, never the principal; day and minute counters expire by TTL, running and gates never', async () => {
    const runtime = await cloudRuntime({});
    const principal = 'user:../../__evil__/x@example.com';
    await start(runtime, principal);
    await runtime.operations.admitCall(principal);
    const docs = (await db.collection(runtime.config.store.usageCollection).get()).docs;
    const hash = createHash('sha256').update(principal).digest('hex');
    const ids = docs.map((d) => d.id).sort();
    assert.equal(ids.length, 5);
    for (const id of ids) {
      assert.match(
        id,
        new RegExp(
          `^(p-${hash}-(day-\\d{8}|minute-\\d{12}|running)|total-day-\\d{8}|gate-vertex:veo-[\\w.-]+)$`,
        ),
      );
    }
    // The model's admission gate (operations/gate.ts): the operation went to Veo at once, so its line is empty.
    const gate = docs.find((d) => d.id.startsWith('gate-'))!;
    assert.deepEqual(gate.get('line'), []);
    assert.equal(gate.get('granted').length, 1);
    for (const doc of docs) {
      if (doc.id.endsWith('-running') || doc.id.startsWith('gate-'))
        assert.equal(doc.get('expireAt'), undefined);
      else assert.ok(doc.get('expireAt') instanceof Timestamp, doc.id);
    }
    assert.equal((await runtime.operations.usage(principal)).usage.callsThisMinute, 1);
  });

  test('tool calls per minute: concurrent calls admit exactly the limit and count only those', async () => {
    const clock = new ManualClock('2026-12-01T10:00:30.000Z');
    const runtime = await cloudRuntime({ REQUESTS_PER_MINUTE_PER_PRINCIPAL: '5' }, clock);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => runtime.operations.admitCall('dave')),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof LimitExceededError);
        assert.match(
          r.reason.message,
          /made 5 of 5 tool calls this minute.*resets at 2026-12-01T10:01:00\.000Z/,
        );
      }
    }
    assert.equal((await runtime.operations.usage('dave')).usage.callsThisMinute, 5);
    await clock.advance(30_000);
    await runtime.operations.admitCall('dave');
    assert.equal((await runtime.operations.usage('dave')).usage.callsThisMinute, 1, 'a new minute');
  });
});
