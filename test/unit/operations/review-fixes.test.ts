// Regressions from the second review of the bursts work, on the memory store and a manual clock: a wake-up that comes
// before a waiting generation's image copy is written retries instead of failing; stale wake-ups are dropped rather
// than multiplied; concurrent starts cannot slip past the line limit; only the probe's own failure reopens a half-open
// breaker; and a second cancel of a waiting generation does not claim it may be billed.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { breakerView, emptyGate, recordFailure, takeTurn } from '../../../functions/src/operations/gate.js';
import { LimitExceededError } from '../../../functions/src/operations/index.js';
import { HARNESS_GATE, harness, imageStartInput, SETTINGS } from './harness.js';

const SECOND = 1000;
const DAY = 86_400_000;

describe('review fixes', () => {
  let h: ReturnType<typeof harness>;
  afterEach(() => h.close());
  const paced = (submitsPerMinute: number, extra: Partial<typeof SETTINGS.admission> = {}) =>
    (h = harness({ admission: { ...SETTINGS.admission, submitsPerMinute, ...extra } }));

  test('a turn that comes before the image copy is written retries; the generation is sent with its image', async () => {
    paced(1);
    await h.start({ prompt: 'first' });
    const bytes = Buffer.from('image bytes that take a while to store');
    let release!: () => void;
    const stored = new Promise<void>((resolve) => (release = resolve));
    const put = h.blobs.put.bind(h.blobs);
    h.blobs.put = async (...args) => {
      await stored;
      return put(...args);
    };
    const starting = h.operations.start(imageStartInput(bytes));
    await h.clock.advance(63 * SECOND); // its turn comes while the copy is still being written
    const [waiting] = (await h.operations.list({ principal: 'p', status: 'QUEUED', limit: 5 })).records;
    assert.equal(waiting?.status, 'QUEUED', 'not FAILED');
    assert.equal(waiting?.waiting?.attempts, 1, 'tried once, nothing sent');
    release();
    const { record } = await starting;
    await h.clock.advance(66 * SECOND);
    const sent = await h.operations.get('p', record.id);
    assert.equal(sent.status, 'RUNNING');
    assert.equal(h.veo.accepted.at(-1)!.image?.base64, bytes.toString('base64'));
  });

  test('a wake-up for an earlier slot is dropped: it neither asks the gate nor arranges another', async () => {
    paced(1);
    await h.start({ prompt: 'first' });
    const { record } = await h.start({ prompt: 'waits' });
    let dispatches = 0;
    const dispatch = h.store.dispatch.bind(h.store);
    h.store.dispatch = (...args) => {
      dispatches++;
      return dispatch(...args);
    };
    let enqueued = 0;
    const enqueue = h.queue.enqueue.bind(h.queue);
    h.queue.enqueue = (...args) => {
      enqueued++;
      return enqueue(...args);
    };
    const stale = new Date(Date.parse(record.nextPollAt!) - 5 * SECOND).toISOString();
    assert.equal(await h.operations.poll(record.id, stale), 'pending');
    assert.deepEqual([dispatches, enqueued], [0, 0]);
  });

  test('concurrent starts cannot slip past MAX_QUEUED_OPERATIONS_PER_PRINCIPAL on the memory store', async () => {
    paced(1, { maxQueuedPerPrincipal: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => h.start({ prompt: `c${i}` })),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    // Every start joins the line before asking for its turn, so arriving together, at most two are accepted.
    assert.equal(accepted, 2, 'the cap counts every entry in line');
    assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof LimitExceededError));
    const line = (await h.store.gate(HARNESS_GATE)).line.length;
    assert.equal(
      line + h.veo.accepted.length,
      accepted,
      'every accepted one was sent or is in line: no entry lost',
    );
  });

  test("half-open, only the probe's failure reopens the breaker; a straggler sent before it opened does not", () => {
    const settings = { ...SETTINGS.admission, breakerFailures: 2, breakerOpenSeconds: 30 };
    const t0 = Date.parse('2026-12-02T10:00:00Z');
    let gate = recordFailure(recordFailure(emptyGate(), settings, '503', t0, 'x'), settings, '503', t0, 'y');
    gate = { ...gate, line: [{ id: 'probe', principal: 'p', at: t0 }] };
    const turn = takeTurn(gate, 'probe', 10, t0 + 31 * SECOND, DAY);
    assert.equal(turn.go, true);
    if (!turn.go) return;
    const straggler = recordFailure(turn.gate, settings, 'late 503', t0 + 32 * SECOND, 'x');
    assert.equal(straggler.breaker.openings, 1, 'not reopened');
    assert.equal(straggler.breaker.probe?.id, 'probe', 'the probe still holds');
    const failedProbe = recordFailure(turn.gate, settings, 'probe 503', t0 + 32 * SECOND, 'probe');
    assert.equal(failedProbe.breaker.openings, 2);
    assert.equal(breakerView(failedProbe, t0 + 33 * SECOND).state, 'open');
  });

  test('two concurrent cancels of a waiting generation both say it was never billed', async () => {
    paced(1);
    await h.start({ prompt: 'first' });
    const { record } = await h.start({ prompt: 'waits' });
    const [one, two] = await Promise.all([
      h.operations.cancel('p', record.id),
      h.operations.cancel('p', record.id),
    ]);
    assert.deepEqual([one.billed, two.billed], [false, false]);
    assert.equal((await h.operations.get('p', record.id)).status, 'CANCELLED');
  });

  test('an expiry decided on a waiting record does not end it if it was sent in the meantime', async () => {
    h = harness({
      operationDeadlineSeconds: 30,
      admission: { ...SETTINGS.admission, submitsPerMinute: 1 },
    });
    await h.start({ prompt: 'first' });
    const { record } = await h.start({ prompt: 'waits past its deadline' });
    let calls = 0;
    const dispatch = h.store.dispatch.bind(h.store);
    h.store.dispatch = async (id, gateKey, decide) => {
      if (id === record.id && ++calls === 2) {
        // Between the expiry's decision and its ending, another instance (its clock behind) sends it.
        await h.store.update(id, (current) => {
          const sending = { ...current, submittedAt: h.clock.now().toISOString() };
          delete sending.waiting;
          return sending;
        });
      }
      return dispatch(id, gateKey, decide);
    };
    await h.clock.advance(63 * SECOND);
    assert.ok(calls >= 2, 'the expiry was decided and then applied');
    const stored = await h.operations.get('p', record.id);
    assert.equal(stored.status, 'QUEUED', 'not EXPIRED as "never sent": it was sent');
    assert.equal(h.sink.eventsFor(record.id).length, 0);
  });
});
