// Outages and the admission gate on the emulators (issue 16), with the functions wired as deployed
// (test/helpers/pipelines.ts): an outage that opens the circuit breaker and heals, and the gate's Firestore
// transactions under concurrent instances. The two are independent (each its own functions, collections and topics)
// and run at the same time: both spend most of their time waiting. The burst against a per-minute quota is in
// bursts.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { loadConfig } from '../../functions/src/config/index.js';
import { gateKeyOf, type GateState } from '../../functions/src/operations/gate.js';
import { LimitExceededError } from '../../functions/src/operations/index.js';
import type { VideoRequest } from '../../functions/src/operations/record.js';
import { createRuntime, type Runtime } from '../../functions/src/runtime.js';
import { gcsWriter } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import {
  cloudDeployment,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';
import { PIPELINE_PRINCIPAL, startPipelines, type Pipelines } from '../helpers/pipelines.js';
import { MINUTE_MS, recordsOf, settled, watchGates } from '../helpers/bursts.js';
import { WarpClock } from '../helpers/warp-clock.js';

const BUCKET = 'veo-outages';
/** The two describes run side by side; each one's own tests in order (the option is inherited otherwise). */
const ONE_AT_A_TIME = { concurrency: false };

describe('outages and the gate on the emulators', { skip: emulatorSkip, concurrency: true }, () => {
  let emulators: Emulators;
  let db: Firestore;

  before(async () => {
    emulators = await useEmulators();
    db = new Firestore({ projectId: emulators.projectId });
  });

  after(async () => {
    await db?.terminate();
    await emulators?.stop();
  });

  describe('an outage opens the breaker; queued work completes after recovery', ONE_AT_A_TIME, () => {
    const BREAKER_FAILURES = 3;
    // As many as open the breaker: their refused submits open it, and they then wait in line behind the probe with
    // the direct start. More of them prove nothing more, and each costs time: they all meet on the gate document,
    // where overlapping transactions wait seconds on the emulator (see the gate's describe below).
    const REQUESTS = BREAKER_FAILURES;
    // Open far longer than any start takes on a loaded machine, so a start while open is never the probe; the test
    // jumps the functions' and the simulator's shared clock to the probe instead of waiting for it.
    const OPEN_SECONDS = 60;
    const clock = new WarpClock();
    let pipelines: Pipelines;
    let gates: GateState[];

    before(async () => {
      pipelines = await startPipelines(emulators, {
        bucket: BUCKET,
        clock,
        env: {
          // Pacing out of the way: only the breaker is under test.
          VEO_SUBMITS_PER_MINUTE: '1000',
          BREAKER_FAILURES: String(BREAKER_FAILURES),
          BREAKER_WINDOW_SECONDS: '60',
          BREAKER_OPEN_SECONDS: String(OPEN_SECONDS),
          // Operations told to wait out a probe hop through the poller every second rather than every five: the
          // emulator's push subscription delivers few messages at once, and wake-ups queue behind held ones.
          POLL_HANDLER_MAX_WAIT_SECONDS: '1',
        },
      });
      gates = watchGates(pipelines);
    });

    after(async () => {
      await pipelines?.close();
    });

    test('a 503 outage opens the breaker, new calls queue as unavailable, nothing is lost or sent twice', async (t) => {
      const { simulator, runtime, events, deliveries } = pipelines;
      const model = runtime.config.veo.defaultModel;
      const key = gateKeyOf({ backend: runtime.config.veo.api, model });
      const gateDoc = db.collection(runtime.config.store.usageCollection).doc(`gate-${key}`);
      const now = clock.epochMs;
      const t0 = now();
      // Down until the test has seen the breaker open and checked what callers get.
      simulator.outage({ seconds: 600, status: 503 });
      await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          pipelines.publishRequest({
            request_id: `outage-${i}`,
            // Each submit that reaches Veo takes 3 s (real ones take a second or two), so the line asks for its
            // turn while the probe is out.
            prompt: `Outage item ${i} [sim:submit-slow]`,
            duration_seconds: 4,
          }),
        ),
      );

      await pipelines.until('the breaker to open', () =>
        gates.some((g) => g.breaker.openUntil !== undefined && g.breaker.openUntil > now()),
      );
      // The gate document is where every instance reads the breaker.
      const stored = (await gateDoc.get()).data() as GateState | undefined;
      assert.ok(stored, `gate document ${gateDoc.path} exists`);
      const { breaker } = stored;
      assert.ok(breaker.openedAt !== undefined && breaker.openUntil !== undefined, JSON.stringify(breaker));
      assert.ok(breaker.failures.length >= BREAKER_FAILURES, `${breaker.failures.length} failures counted`);
      assert.ok(breaker.openings >= 1);
      // Open for BREAKER_OPEN_SECONDS from the failure that opened it, doubled for each failed probe since.
      if (breaker.openings === 1) assert.equal(breaker.openUntil - breaker.openedAt, OPEN_SECONDS * 1000);
      else
        assert.ok(breaker.openUntil - breaker.openedAt >= OPEN_SECONDS * 1000 * (2 ** breaker.openings - 1));
      assert.match(breaker.lastError ?? '', /HTTP 503.*The service is currently unavailable/);
      const since = new Date(breaker.openedAt).toISOString();

      // A new generation while the breaker is open is accepted as QUEUED, saying why and since when; nothing is sent.
      const request: VideoRequest = {
        model,
        prompt: 'Submitted while the model is down',
        aspectRatio: '16:9',
        durationSeconds: 4,
        numberOfVideos: 1,
      };
      const direct = await runtime.operations.start({
        principal: 'user:direct',
        request,
        idempotencyKey: 'while-open',
        estimatedCostUsd: 1,
      });
      const stillOpen = ((await gateDoc.get()).data() as GateState).breaker;
      assert.equal(direct.started, true);
      assert.equal(direct.record.status, 'QUEUED', JSON.stringify(direct.record));
      assert.equal(direct.record.waiting?.reason, 'unavailable', JSON.stringify(direct.record.waiting));
      assert.equal(direct.record.waiting?.unavailableSince, since, 'since the breaker opened');
      assert.equal(direct.record.veoOperationName, undefined);
      // Open all along: the same open period (a probe in between would have closed it, or reopened it with one
      // more opening and a later end), and not over yet: the start was not the probe.
      assert.equal(stillOpen.openUntil, breaker.openUntil, 'the same open period');
      assert.equal(stillOpen.openings, breaker.openings);
      assert.ok(stillOpen.openUntil! > now(), 'still open');
      assert.ok(Date.parse(direct.record.waiting!.estimatedStartAt!) >= breaker.openUntil - 1);
      // Its own record proves it was never sent (the simulator's counters also see submits of other operations
      // that were already in flight when the breaker opened).
      assert.equal(direct.record.waiting?.attempts, 0, 'never sent while open');
      assert.equal(direct.record.waiting?.lastError, undefined);
      assert.equal(direct.record.submittedAt, undefined);
      // The pipeline's operations that asked while it was open say the same.
      const queued = (await recordsOf(runtime, PIPELINE_PRINCIPAL)).filter((r) => r.waiting);
      assert.ok(queued.length > 0, 'pipeline operations wait in line');
      // Each waits for the model (or, created a moment ago, has not asked for its turn yet): none for anything else.
      assert.ok(
        queued.every((r) => r.status === 'QUEUED' && ['unavailable', 'paced'].includes(r.waiting!.reason)),
        JSON.stringify(queued.map((r) => r.waiting)),
      );
      const told = queued.filter((r) => r.waiting!.unavailableSince === since).length;
      const attempts = queued.map((r) => r.waiting!.attempts);

      const recoveredAt = now();
      simulator.outage({ seconds: 0 });
      // The probe is due when the open period ends: the clock jumps there (waking the operations' held wake-ups).
      const atRecovery = ((await gateDoc.get()).data() as GateState).breaker;
      const probeDueMs = Math.max(0, (atRecovery.openUntil ?? recoveredAt) - recoveredAt);
      clock.jump(probeDueMs);
      const total = REQUESTS + 1;
      const completed = () => events.filter((e) => e.type === 'operation.completed');
      await pipelines.until(
        `${total} completion events`,
        () => new Set(completed().map((e) => e.operation_id)).size >= total,
        3 * MINUTE_MS,
      );
      const doneAt = now();

      const records = await settled(
        'every record to note its event',
        async () => [
          ...(await recordsOf(runtime, PIPELINE_PRINCIPAL)),
          ...(await recordsOf(runtime, 'user:direct')),
        ],
        (all) => all.length >= total && all.every((r) => r.completionPublishedAt),
      );
      const openings = Math.max(...gates.map((g) => g.breaker.openings));
      const s = (ms: number) => (ms / 1000).toFixed(1);
      const summary =
        `outage: breaker opened ${s(breaker.openedAt - t0)} s into a 503 outage, ${queued.length} pipeline ` +
        `operations waiting (${told} saying since when), outage ended after ${s(recoveredAt - t0)} s with ` +
        `${simulator.stats.outageRefusals} submits refused and ${openings} openings (refusals per waiting ` +
        `operation then: ${attempts.join(', ')}); all ${total} ended ${s(doneAt - recoveredAt)} s after recovery ` +
        `(the probe was due ${s(probeDueMs)} s after it)`;
      t.diagnostic(summary);
      console.log(summary);

      assert.equal(records.length, total, 'no operation lost');
      // The probe at the end of the open period closes it and the line moves at once, not when the probe's hold
      // (a minute) would have ended: three-second submits, polls and events fit well within 45 s.
      assert.ok(
        doneAt - recoveredAt < probeDueMs + 45_000,
        `all ended ${s(doneAt - recoveredAt)} s after recovery, the probe was due after ${s(probeDueMs)} s`,
      );
      for (const record of records) {
        assert.equal(record.status, 'SUCCEEDED', `${record.id}: ${JSON.stringify(record.error)}`);
        assert.ok(record.completionPublishedAt);
        assert.equal(record.nextPollAt, undefined);
      }
      assert.equal(simulator.stats.submits, total, 'one accepted submit per operation: none twice');
      assert.equal(new Set(records.map((r) => r.veoOperationName)).size, total);
      assert.equal(pipelines.completionPublishes(), total, 'exactly one event per operation');
      assert.equal(completed().length, total);
      assert.deepEqual(
        deliveries,
        { started: REQUESTS, duplicate: 0, rejected: 0, failed: 0, total: REQUESTS, thrown: 0 },
        'each request acknowledged once, as QUEUED: the outage failed none',
      );
      const closed = ((await gateDoc.get()).data() as GateState).breaker;
      assert.equal(closed.openedAt, undefined, `breaker closed: ${JSON.stringify(closed)}`);
      assert.deepEqual(closed.failures, []);
      assert.equal(closed.openings, 0);
    });
  });

  // Two starts per instance at once, a third of them granted: the instances' transactions on the one gate document
  // contend for real (joining the line, then asking for a turn), and the properties (exactly RATE sent, the rest in
  // line once each, the counters agree) hold for any size. The size costs time: when two transactions on the gate
  // overlap, the emulator holds the commit for about two seconds before it aborts one, which then backs off a second
  // (thirty starts took 32 s).
  describe('the gate on Firestore: three instances, one pace, one line', ONE_AT_A_TIME, () => {
    const STARTS = 6;
    const RATE = 2;
    const MAX_QUEUED = 6;
    const PRINCIPAL = 'user:burst';
    const name = uniqueNames('gate');
    let simulator: VeoSimulator;
    let pubsub: PubSub;
    let runtimes: Runtime[];
    let usageCollection: string;

    before(async () => {
      // Nothing polls here (no subscription on the poll topic): what the starts decided stays as they left it.
      simulator = new VeoSimulator({ delaySeconds: 3600, writeObject: await gcsWriter() });
      const veoBaseUrl = await simulator.listen(0);
      pubsub = new PubSub({ projectId: emulators.projectId });
      const settings = await cloudDeployment(emulators, pubsub, { bucket: BUCKET, name, veoBaseUrl });
      const config = loadConfig({
        ...settings,
        VEO_SUBMITS_PER_MINUTE: String(RATE),
        MAX_QUEUED_OPERATIONS_PER_PRINCIPAL: String(MAX_QUEUED),
      });
      usageCollection = config.store.usageCollection;
      // Three instances: each its own Firestore client and its own in-process queues, so they contend for real.
      runtimes = await Promise.all([0, 1, 2].map(() => createRuntime(config)));
    });

    after(async () => {
      for (const runtime of runtimes ?? []) await runtime.close();
      await pubsub?.close();
      await simulator?.close();
    });

    const request = (i: number): VideoRequest => ({
      model: 'veo-3.1-fast-generate-001',
      prompt: `Gate entrant ${i}`,
      aspectRatio: '16:9',
      durationSeconds: 4,
      numberOfVideos: 1,
    });
    const start = (runtime: Runtime, i: number, principal = PRINCIPAL) =>
      runtime.operations.start({
        principal,
        request: request(i),
        idempotencyKey: `gate-${i}`,
        estimatedCostUsd: 1,
      });
    const key = gateKeyOf({ backend: 'vertex', model: 'veo-3.1-fast-generate-001' });
    const readGate = async () =>
      (await db.collection(usageCollection).doc(`gate-${key}`).get()).data() as GateState;

    /**
     * Holds every start's request for its turn until `count` starts have joined the line, then lets them all ask at
     * once; returns the undo. The gate then grants the burst's principal while others of it wait, so it remembers
     * the principal as served (the served order in the next test depends on that). Thirty starts did so by
     * themselves; a handful on the emulator, where contention makes the instances take turns, may each be granted
     * alone in line.
     */
    const joinBeforeTurns = (count: number): (() => void) => {
      let joined = 0;
      let allJoined!: () => void;
      const everyoneIn = new Promise<void>((resolve) => (allJoined = resolve));
      const undos = runtimes.map((runtime) => {
        const { store } = runtime;
        const { createInLine, dispatch } = store;
        store.createInLine = async (...args) => {
          try {
            return await createInLine.apply(store, args);
          } finally {
            if (++joined >= count) allJoined();
          }
        };
        store.dispatch = async (...args) => {
          await everyoneIn;
          return dispatch.apply(store, args);
        };
        return () => Object.assign(store, { createInLine, dispatch });
      });
      return () => undos.forEach((undo) => undo());
    };

    test(`${STARTS} concurrent starts at ${RATE} submits per minute: exactly ${RATE} sent, ${STARTS - RATE} in line`, async (t) => {
      const began = performance.now();
      const undo = joinBeforeTurns(STARTS);
      const results = await Promise.all(
        Array.from({ length: STARTS }, (_, i) => start(runtimes[i % runtimes.length]!, i)),
      ).finally(undo);
      const seconds = (performance.now() - began) / 1000;
      const running = results.filter((r) => r.record.status === 'RUNNING');
      const queued = results.filter((r) => r.record.status === 'QUEUED');
      t.diagnostic(`${STARTS} starts over 3 instances in ${seconds.toFixed(2)} s`);
      assert.equal(running.length, RATE, `exactly ${RATE} RUNNING`);
      assert.equal(queued.length, STARTS - RATE);
      assert.equal(simulator.stats.submits, RATE, `Veo saw ${RATE} submits`);

      const records = await recordsOf(runtimes[0]!, PRINCIPAL);
      assert.equal(records.length, STARTS);
      const stored = new Map(records.map((r) => [r.id, r]));
      for (const { record } of running) assert.equal(stored.get(record.id)!.status, 'RUNNING');
      const waiting = records.filter((r) => r.status === 'QUEUED');
      assert.equal(waiting.length, STARTS - RATE);
      const gate = await readGate();
      const grantedAt = Math.min(...gate.granted);
      const accepted = Object.values(simulator.stats.submitTimes)
        .flat()
        .sort((a, b) => a - b);
      const grants = [...gate.granted].sort((a, b) => a - b);
      t.diagnostic(
        `grant to accepted submit (ms): ${JSON.stringify(accepted.map((at, i) => at - (grants[i] ?? NaN)))}`,
      );
      for (const record of waiting) {
        assert.equal(record.waiting?.reason, 'paced', JSON.stringify(record.waiting));
        assert.equal(record.veoOperationName, undefined);
        const position = record.waiting!.position!;
        assert.ok(Number.isInteger(position) && position >= 0 && position < STARTS, `position ${position}`);
        assert.ok(
          Date.parse(record.waiting!.estimatedStartAt!) >= grantedAt + MINUTE_MS - 1000,
          `${record.waiting!.estimatedStartAt}: not before the minute is over`,
        );
      }
      const positions = new Set(waiting.map((r) => r.waiting!.position));
      t.diagnostic(`distinct positions among ${waiting.length} waiting: ${positions.size}`);

      // The gate document: RATE grants in its window, the others waiting in its line, each once.
      assert.equal(gate.granted.length, RATE);
      assert.equal(gate.line.length, STARTS - RATE);
      assert.deepEqual(new Set(gate.line.map((e) => e.id)), new Set(waiting.map((r) => r.id)));
      assert.ok(gate.line.every((e) => e.principal === PRINCIPAL));
      // The principal's running count is the operations at Veo; the day counters hold every start's reservation.
      const now = new Date();
      const usage = await runtimes[1]!.store.usage(PRINCIPAL, now.toISOString().slice(0, 10), '');
      assert.equal(usage.running, RATE, 'running counter');
      assert.equal(usage.principalDaySeconds, STARTS * 4);
    });

    test(`a start beyond MAX_QUEUED_OPERATIONS_PER_PRINCIPAL=${MAX_QUEUED} is refused, naming it, and writes nothing`, async () => {
      // Fill the principal's line to the cap: the minute's grants are spent, so each of these waits.
      const inLine = (await readGate()).line.length;
      for (let i = STARTS; i < STARTS + MAX_QUEUED - inLine; i++) {
        const { record } = await start(runtimes[i % 3]!, i);
        assert.equal(record.status, 'QUEUED');
      }
      const day = new Date().toISOString().slice(0, 10);
      const gateBefore = await readGate();
      assert.equal(gateBefore.line.length, MAX_QUEUED);
      const usageBefore = await runtimes[0]!.store.usage(PRINCIPAL, day, '');
      const recordsBefore = (await recordsOf(runtimes[0]!, PRINCIPAL)).length;
      const submitsBefore = simulator.stats.submits;
      const keysCollection = runtimes[0]!.config.store.idempotencyCollection;
      const keysBefore = (await db.collection(keysCollection).get()).size;

      for (const runtime of runtimes) {
        const refused = await start(runtime, 999).then(
          () => undefined,
          (err: unknown) => err,
        );
        assert.ok(refused instanceof LimitExceededError, `refused: ${String(refused)}`);
        assert.equal(refused.code, 'LIMIT_EXCEEDED');
        assert.equal(refused.setting, 'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL');
        assert.equal(refused.allowed, MAX_QUEUED);
        assert.equal(refused.used, MAX_QUEUED);
        assert.match(
          refused.message,
          new RegExp(
            `^MAX_QUEUED_OPERATIONS_PER_PRINCIPAL reached: ${MAX_QUEUED} of your generations with ` +
              `veo-3\\.1-fast-generate-001 are waiting for their turn at Veo \\(limit ${MAX_QUEUED}\\)`,
          ),
        );
      }
      // Nothing was written: no record, no idempotency key, no place in line, no reservation, no submit.
      assert.deepEqual(await readGate(), gateBefore, 'the gate document is unchanged');
      assert.equal((await recordsOf(runtimes[0]!, PRINCIPAL)).length, recordsBefore, 'no record');
      assert.equal((await db.collection(keysCollection).get()).size, keysBefore, 'no idempotency key kept');
      assert.deepEqual(await runtimes[0]!.store.usage(PRINCIPAL, day, ''), usageBefore, 'counters unchanged');
      assert.equal(simulator.stats.submits, submitsBefore, 'Veo got no submit');

      // The cap is per principal: another caller still joins the line, and, never served yet, goes before the
      // burst's principal, served RATE times (the least recently served principal first).
      const other = await start(runtimes[0]!, 1000, 'user:other');
      assert.equal(other.record.status, 'QUEUED');
      assert.equal(other.record.waiting?.reason, 'paced');
      assert.equal(other.record.waiting?.position, 0, 'first in the served order');
    });
  });
});
