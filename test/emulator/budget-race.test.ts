// The budget race (issue 12): two instances of the `mcp` function, served through the real functions-framework, share
// one principal's daily budget through Firestore. 12 concurrent 8-second generate_video calls against
// DAILY_VIDEO_SECONDS_PER_PRINCIPAL=32 must start exactly 4: the reservation is read and written in the transaction
// that creates the record, so no interleaving of the two instances can let a fifth through, and a refusal writes
// nothing and submits nothing. The instances run in this process, each with its own runtime, store and Firestore
// client: an instance queues its own starts (store/firestore.ts), so what the two race on is their transactions on
// the emulator, as separate processes would (full-flow.test.ts runs the deployed entry as processes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
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

const BUCKET = 'veo-budget-race';
const name = uniqueNames('race');
// Six calls per instance at once, three times what the budget allows: both instances race for the last seconds and
// most calls are refused. The property (exactly LIMIT/EACH start, whatever the interleaving) does not depend on the
// size. The size costs time: every call writes the same counter documents (the per-minute call count, the day's
// seconds), and when two instances' transactions overlap the emulator holds the commit for about two seconds before
// it aborts one, which then backs off a second (fifty calls took up to 50 s in `npm test`).
const CALLS = 12;
const LIMIT_SECONDS = 32;
const SECONDS_EACH = 8;

describe('budget race across two mcp instances on the Firestore emulator', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let env: Record<string, string>;
  let pubsub: PubSub;
  let db: Firestore;
  const instances: TestServer[] = [];
  const clients: Client[] = [];

  before(async () => {
    emulators = await useEmulators();
    // Nothing polls here (no poller): the operations stay RUNNING and the simulator counts submits only.
    simulator = new VeoSimulator({ delaySeconds: 3600, writeObject: await gcsWriter() });
    const simulatorUrl = await simulator.listen(0);
    pubsub = new PubSub({ projectId: emulators.projectId });
    env = {
      ...(await cloudDeployment(emulators, pubsub, { bucket: BUCKET, name, veoBaseUrl: simulatorUrl })),
      DAILY_VIDEO_SECONDS_PER_PRINCIPAL: String(LIMIT_SECONDS),
      // Only the daily limit is under test: the others are out of reach.
      DAILY_VIDEO_SECONDS_TOTAL: '1000000',
      REQUESTS_PER_MINUTE_PER_PRINCIPAL: '100000',
      MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '10000',
      LOG_LEVEL: 'error',
    };
    db = new Firestore({ projectId: emulators.projectId });
    // Both on the same collections and topics, and on the simulator above (env's VEO_BASE_URL), which counts their
    // submits: each test server's own simulator stays unused.
    const launched = await Promise.allSettled([startTestServer({ env }), startTestServer({ env })]);
    for (const result of launched) if (result.status === 'fulfilled') instances.push(result.value);
    const failed = launched.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const instance of instances) {
      const client = await instance.connect();
      clients.push(client);
      // Each instance opens its Firestore connection on its first call: warm both, so the race times the race.
      await client.callTool({ name: 'get_usage', arguments: {} });
    }
  });

  after(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await db?.terminate();
    await pubsub?.close();
    await simulator?.close();
    await emulators?.stop();
  });

  test(`${CALLS} concurrent ${SECONDS_EACH}-second requests against a ${LIMIT_SECONDS}-second budget start exactly ${LIMIT_SECONDS / SECONDS_EACH}`, async () => {
    const submitsBefore = simulator.stats.submits;
    const began = performance.now();
    const results = (await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        clients[i % 2]!.callTool({
          name: 'generate_video',
          arguments: {
            prompt: `Race entrant ${i}`,
            duration_seconds: SECONDS_EACH,
            idempotency_key: `race-${i}`,
          },
        }),
      ),
    )) as CallToolResult[];
    const seconds = (performance.now() - began) / 1000;

    const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;
    const started = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    console.log(
      `budget race: ${started.length} started, ${refused.length} refused, ${CALLS} calls over 2 instances in ${seconds.toFixed(2)} s`,
    );
    assert.equal(started.length, LIMIT_SECONDS / SECONDS_EACH, refused.map(text).slice(0, 3).join('\n'));
    assert.equal(refused.length, CALLS - LIMIT_SECONDS / SECONDS_EACH);
    for (const r of refused) {
      assert.match(
        text(r),
        new RegExp(
          `^LIMIT_EXCEEDED: DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started ${LIMIT_SECONDS} of ` +
            `${LIMIT_SECONDS} seconds of video today \\(UTC\\); this request needs ${SECONDS_EACH} s .*` +
            'The limit resets at \\d{4}-\\d\\d-\\d\\dT00:00:00\\.000Z \\(midnight UTC\\)\\.$',
        ),
      );
    }
    // Nothing was created or submitted for a refused call.
    const records = await db.collection(env.FIRESTORE_COLLECTION!).where('principal', '==', 'local').get();
    assert.equal(records.size, LIMIT_SECONDS / SECONDS_EACH, 'the store holds exactly the started records');
    assert.deepEqual(
      new Set(records.docs.map((d) => d.id)),
      new Set(started.map((r) => (r.structuredContent as { operation_id: string }).operation_id)),
    );
    const keys = await db.collection(env.FIRESTORE_IDEMPOTENCY_COLLECTION!).get();
    assert.equal(keys.size, LIMIT_SECONDS / SECONDS_EACH, 'no idempotency key was kept for a refused call');
    assert.equal(
      simulator.stats.submits - submitsBefore,
      LIMIT_SECONDS / SECONDS_EACH,
      'Veo saw one submit per started call',
    );

    // The counters agree: the whole budget used, one running per started call, as both instances report.
    for (const client of clients) {
      const usage = (await client.callTool({ name: 'get_usage', arguments: {} })) as CallToolResult;
      const limits = (usage.structuredContent as { limits: Array<{ setting: string; used: number }> }).limits;
      const used = Object.fromEntries(limits.map((l) => [l.setting, l.used]));
      assert.equal(used['DAILY_VIDEO_SECONDS_PER_PRINCIPAL'], LIMIT_SECONDS);
      assert.equal(used['DAILY_VIDEO_SECONDS_TOTAL'], LIMIT_SECONDS);
      assert.equal(used['MAX_RUNNING_OPERATIONS_PER_PRINCIPAL'], LIMIT_SECONDS / SECONDS_EACH);
    }
  });
});
