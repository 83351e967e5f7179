// Firestore OperationStore: operations/{id} documents, every state change in a transaction, idempotency keys created
// atomically with their operation, queries backed by the composite indexes in firestore-indexes.json, and
// expireAt as a Timestamp for Firestore TTL. (The benchmarks count its document reads and writes from outside:
// test/bench/firestore-usage.ts.)
// Usage counters (spend limits, operations/budget.ts) are small documents in their own collection, read and written
// in the same transactions as the records they count, so every instance enforces one count.
import { createHash } from 'node:crypto';
import type { DocumentData, DocumentReference, Firestore, Query, Transaction } from '@google-cloud/firestore';
import type { StartUsage, UsageRelease, UsageSnapshot } from '../operations/budget.js';
import { emptyGate, type GateState } from '../operations/gate.js';
import type {
  CreateResult,
  DispatchChange,
  ListQuery,
  OperationStore,
  UsageLedger,
} from '../operations/ports.js';
import type { OperationRecord } from '../operations/record.js';
import { decodeCursor, encodeCursor } from './cursor.js';

type FirestoreModule = typeof import('@google-cloud/firestore');

export interface FirestoreStoreOptions {
  collection: string;
  idempotencyCollection: string;
  /** Usage counters: per principal and day, per day, per principal running, per principal and minute. */
  usageCollection: string;
}

/**
 * Attempts per counter transaction: instances still contend with each other on the counters (those on one instance
 * queue, see SerialQueues). Each attempt re-reads the counters, so more attempts never count twice.
 */
const COUNTER_TRANSACTION_ATTEMPTS = 10;
/** Counter documents outlive their window by this long (Firestore TTL deletes them after), for inspection. */
const DAY_COUNTER_KEEP_MS = 7 * 86_400_000;
const MINUTE_COUNTER_KEEP_MS = 3_600_000;

/** A counter document id that is safe for any principal string: its SHA-256, never the string itself. */
const principalKey = (principal: string) => `p-${createHash('sha256').update(principal).digest('hex')}`;
/** YYYY-MM-DD or YYYY-MM-DDTHH:MM as digits only. */
const digits = (window: string) => window.replace(/\D/g, '');

/**
 * Runs the work queued under one key on this instance one after another. Transactions that meet on a counter
 * document make Firestore abort and back off: 50 simultaneous starts of one principal took 77 s on the emulator,
 * the same 50 one after another 1.5 s. Queued, an instance sends one transaction per counter at a time and only other
 * instances contend with it. The queue orders work; the count itself is the transaction's, as before.
 */
class SerialQueues {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export class FirestoreOperationStore implements OperationStore, UsageLedger {
  private readonly sdk: FirestoreModule;
  private readonly db: Firestore;
  private readonly options: FirestoreStoreOptions;
  private readonly queues = new SerialQueues();

  constructor(sdk: FirestoreModule, db: Firestore, options: FirestoreStoreOptions) {
    this.sdk = sdk;
    this.db = db;
    this.options = options;
  }

  private get operations() {
    return this.db.collection(this.options.collection);
  }

  private get usageCounters() {
    return this.db.collection(this.options.usageCollection);
  }

  /** The counter documents of one principal (and of everyone) for a day and a minute. */
  private counterRefs(principal: string, day: string, minute = '') {
    const who = principalKey(principal);
    return {
      principalDay: this.usageCounters.doc(`${who}-day-${digits(day)}`),
      totalDay: this.usageCounters.doc(`total-day-${digits(day)}`),
      running: this.usageCounters.doc(`${who}-running`),
      minute: this.usageCounters.doc(`${who}-minute-${digits(minute)}`),
    };
  }

  private expireAfter(window: string, keepMs: number) {
    // The window's start plus its length is its end; kept a while longer for inspection.
    const start = Date.parse(window.length === 10 ? `${window}T00:00:00Z` : `${window}:00Z`);
    const length = window.length === 10 ? 86_400_000 : 60_000;
    return this.sdk.Timestamp.fromMillis(start + length + keepMs);
  }

  /** A model's admission gate (operations/gate.ts): one document in the usage collection. */
  private gateRef(gateKey: string) {
    return this.usageCounters.doc(`gate-${gateKey.replace(/[^\w.:-]/g, '_')}`);
  }

  private gateFrom(snap: { exists: boolean; data(): DocumentData | undefined }): GateState {
    const data = snap.exists ? snap.data() : undefined;
    const empty = emptyGate();
    return {
      granted: (data?.['granted'] as number[] | undefined) ?? empty.granted,
      line: (data?.['line'] as GateState['line'] | undefined) ?? empty.line,
      breaker: (data?.['breaker'] as GateState['breaker'] | undefined) ?? empty.breaker,
      served: (data?.['served'] as GateState['served'] | undefined) ?? [],
    };
  }

  /** Firestore refuses `undefined` fields: the gate is stored as plain JSON. */
  private gateDoc(gate: GateState): DocumentData {
    return JSON.parse(JSON.stringify(gate)) as DocumentData;
  }

  createInLine(
    record: OperationRecord,
    gateKey: string,
    admit: (usage: StartUsage, gate: GateState) => GateState,
  ): Promise<CreateResult> {
    return this.createWith(record, undefined, { ref: this.gateRef(gateKey), admit });
  }

  async dispatch(
    id: string,
    gateKey: string,
    decide: (current: OperationRecord, gate: GateState, running: number) => DispatchChange | undefined,
  ): Promise<{ record: OperationRecord; gate: GateState } | undefined> {
    const opRef = this.operations.doc(id);
    const gateRef = this.gateRef(gateKey);
    // Every dispatch of a model meets on its gate document: on this instance they go one at a time.
    return this.queues.run(gateRef.id, () =>
      this.db.runTransaction(
        async (tx) => {
          const [op, gateSnap] = await tx.getAll(opRef, gateRef);
          if (!op!.exists) return undefined;
          const current = this.fromDoc(op!.data()!);
          const gate = this.gateFrom(gateSnap!);
          const runningRef = this.counterRefs(current.principal, '').running;
          const running = Number((await tx.get(runningRef)).get('running') ?? 0);
          const change = decide(structuredClone(current), structuredClone(gate), running);
          if (change?.record) tx.set(opRef, this.toDoc(change.record));
          if (change?.gate) tx.set(gateRef, this.gateDoc(change.gate));
          if (change?.running) tx.set(runningRef, { running: running + change.running });
          else if (change?.release) this.release(tx, change.release);
          return { record: change?.record ?? current, gate: change?.gate ?? gate };
        },
        { maxAttempts: COUNTER_TRANSACTION_ATTEMPTS },
      ),
    );
  }

  async gate(gateKey: string, mutate?: (gate: GateState) => GateState | undefined): Promise<GateState> {
    const ref = this.gateRef(gateKey);
    if (!mutate) return this.gateFrom(await ref.get());
    return this.queues.run(ref.id, () =>
      this.db.runTransaction(
        async (tx) => {
          const gate = this.gateFrom(await tx.get(ref));
          const next = mutate(structuredClone(gate));
          if (next) tx.set(ref, this.gateDoc(next));
          return next ?? gate;
        },
        { maxAttempts: COUNTER_TRANSACTION_ATTEMPTS },
      ),
    );
  }

  create(record: OperationRecord, admit?: (usage: StartUsage) => void): Promise<CreateResult> {
    return this.createWith(record, admit, undefined);
  }

  private async createWith(
    record: OperationRecord,
    admit: ((usage: StartUsage) => void) | undefined,
    line: { ref: DocumentReference; admit: (usage: StartUsage, gate: GateState) => GateState } | undefined,
  ): Promise<CreateResult> {
    const opRef = this.operations.doc(record.id);
    if (record.idempotencyKey === undefined && !record.reservation && !line) {
      await opRef.create(this.toDoc(record));
      return { created: true, record };
    }
    const keyRef =
      record.idempotencyKey === undefined
        ? undefined
        : this.db
            .collection(this.options.idempotencyCollection)
            .doc(
              createHash('sha256').update(`${record.principal}\u0000${record.idempotencyKey}`).digest('hex'),
            );
    // The key document, the usage counters and the operation are written in one transaction: concurrent calls with
    // the same key serialize on the key document, and exactly one of them creates the operation; concurrent starts
    // serialize on the counters, and each sees the seconds the others reserved. Every start meets on the
    // deployment's daily total, so starts with a reservation queue on this instance (SerialQueues).
    const transaction = () =>
      this.db.runTransaction(
        async (tx) => {
          if (keyRef) {
            const key = await tx.get(keyRef);
            if (key.exists) {
              // A transaction retried after its commit was applied finds its own key: the create did happen.
              if (key.get('operationId') === record.id) return { created: true, record };
              const existing = await tx.get(this.operations.doc(String(key.get('operationId'))));
              if (existing.exists) return { created: false, record: this.fromDoc(existing.data()!) };
            }
          }
          if (line) {
            // The gate is read before anything is written (Firestore transactions read first).
            const gate = this.gateFrom(await tx.get(line.ref));
            let joined: GateState | undefined;
            await this.reserve(tx, record, (usage) => {
              joined = line.admit(usage, gate);
            });
            tx.set(line.ref, this.gateDoc(joined!));
          } else if (record.reservation) await this.reserve(tx, record, admit);
          if (keyRef) {
            tx.set(keyRef, {
              operationId: record.id,
              principal: record.principal,
              expireAt: this.sdk.Timestamp.fromDate(new Date(record.expireAt)),
            });
          }
          tx.create(opRef, this.toDoc(record));
          return { created: true, record };
        },
        { maxAttempts: record.reservation || line ? COUNTER_TRANSACTION_ATTEMPTS : undefined },
      );
    if (!record.reservation && !line) return transaction();
    // A start joining a line also writes its gate document, which this instance's dispatches write in the gate's
    // queue: it takes that queue too (inside 'reserve'; nothing takes them in the other order), or the instance
    // contends with itself, and an aborted Firestore transaction backs off a second or more.
    return this.queues.run('reserve', () =>
      line ? this.queues.run(line.ref.id, transaction) : transaction(),
    );
  }

  /** Reads the counters a start is checked against, lets `admit` refuse, and adds the reservation. */
  private async reserve(
    tx: Transaction,
    record: OperationRecord,
    admit: ((usage: StartUsage) => void) | undefined,
  ): Promise<void> {
    const { day, seconds } = record.reservation!;
    const refs = this.counterRefs(record.principal, day);
    const [principalDay, totalDay, running] = await tx.getAll(refs.principalDay, refs.totalDay, refs.running);
    const usage: StartUsage = {
      principalDaySeconds: Number(principalDay!.get('seconds') ?? 0),
      totalDaySeconds: Number(totalDay!.get('seconds') ?? 0),
      running: Number(running!.get('running') ?? 0),
    };
    admit?.(usage); // A refusal throws: the transaction writes nothing.
    const expireAt = this.expireAfter(day, DAY_COUNTER_KEEP_MS);
    tx.set(refs.principalDay, { seconds: usage.principalDaySeconds + seconds, day, expireAt });
    tx.set(refs.totalDay, { seconds: usage.totalDaySeconds + seconds, day, expireAt });
    // No expireAt: the running count outlives any window. An operation that waits in line takes its running slot
    // when its submit goes out (dispatch).
    if (record.reservation!.running !== false) tx.set(refs.running, { running: usage.running + 1 });
  }

  /** Gives back what an ending releases, without reading (increments), in the ending's transaction. */
  private release(tx: Transaction, { principal, day, seconds, running }: UsageRelease): void {
    const { FieldValue } = this.sdk;
    const refs = this.counterRefs(principal, day);
    if (running) tx.set(refs.running, { running: FieldValue.increment(-1) }, { merge: true });
    if (seconds === 0) return;
    const expireAt = this.expireAfter(day, DAY_COUNTER_KEEP_MS);
    for (const ref of [refs.principalDay, refs.totalDay]) {
      tx.set(ref, { seconds: FieldValue.increment(-seconds), day, expireAt }, { merge: true });
    }
  }

  async countCall(
    principal: string,
    minute: string,
    admit: (callsThisMinute: number) => void,
  ): Promise<void> {
    const ref: DocumentReference = this.counterRefs(principal, minute.slice(0, 10), minute).minute;
    await this.queues.run(ref.id, () =>
      this.db.runTransaction(
        async (tx) => {
          const calls = Number((await tx.get(ref)).get('calls') ?? 0);
          admit(calls); // A refusal throws: nothing is counted.
          tx.set(ref, {
            calls: calls + 1,
            minute,
            expireAt: this.expireAfter(minute, MINUTE_COUNTER_KEEP_MS),
          });
        },
        { maxAttempts: COUNTER_TRANSACTION_ATTEMPTS },
      ),
    );
  }

  async usage(principal: string, day: string, minute: string): Promise<UsageSnapshot> {
    const refs = this.counterRefs(principal, day, minute);
    const [principalDay, totalDay, running, calls] = await this.db.getAll(
      refs.principalDay,
      refs.totalDay,
      refs.running,
      refs.minute,
    );
    return {
      principalDaySeconds: Number(principalDay!.get('seconds') ?? 0),
      totalDaySeconds: Number(totalDay!.get('seconds') ?? 0),
      running: Number(running!.get('running') ?? 0),
      callsThisMinute: Number(calls!.get('calls') ?? 0),
    };
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const snap = await this.operations.doc(id).get();
    return snap.exists ? this.fromDoc(snap.data()!) : undefined;
  }

  async update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
    release?: (before: OperationRecord, after: OperationRecord) => UsageRelease | undefined,
  ): Promise<OperationRecord | undefined> {
    const ref = this.operations.doc(id);
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return undefined;
      const current = this.fromDoc(snap.data()!);
      const next = mutate(structuredClone(current));
      if (!next) return current;
      const released = release?.(current, next);
      tx.set(ref, this.toDoc(next));
      if (released) this.release(tx, released);
      return next;
    });
  }

  async list(query: ListQuery): Promise<{ records: OperationRecord[]; nextCursor?: string }> {
    let q: Query = this.operations.where('principal', '==', query.principal);
    if (query.status) q = q.where('status', '==', query.status);
    q = q.orderBy('id', 'desc');
    if (query.cursor) q = q.startAfter(decodeCursor(query.cursor));
    const snap = await q.limit(query.limit + 1).get();
    const records = snap.docs.slice(0, query.limit).map((d) => this.fromDoc(d.data()));
    const nextCursor = snap.size > query.limit ? encodeCursor(records[records.length - 1]!.id) : undefined;
    return { records, nextCursor };
  }

  async findDue(dueBefore: Date, limit: number): Promise<OperationRecord[]> {
    // Only records with something left to do carry nextPollAt (live ones, and ended ones whose event is not out).
    const snap = await this.operations
      .where('nextPollAt', '<=', dueBefore.toISOString())
      .orderBy('nextPollAt')
      .limit(limit)
      .get();
    return snap.docs.map((d) => this.fromDoc(d.data()));
  }

  async findByVeoOperationName(name: string): Promise<OperationRecord | undefined> {
    const snap = await this.operations.where('veoOperationName', '==', name).limit(1).get();
    return snap.empty ? undefined : this.fromDoc(snap.docs[0]!.data());
  }

  private toDoc(record: OperationRecord): DocumentData {
    return { ...record, expireAt: this.sdk.Timestamp.fromDate(new Date(record.expireAt)) };
  }

  private fromDoc(data: DocumentData): OperationRecord {
    const expireAt = data['expireAt'];
    return {
      ...(data as OperationRecord),
      expireAt: expireAt instanceof this.sdk.Timestamp ? expireAt.toDate().toISOString() : String(expireAt),
    };
  }
}
