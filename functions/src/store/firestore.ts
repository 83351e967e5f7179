// Firestore OperationStore: operations/{id} documents, every state change in a transaction, idempotency keys created
// atomically with their operation, queries backed by the composite indexes in firestore-indexes.json, and
// expireAt as a Timestamp for Firestore TTL. (The benchmarks count its document reads and writes from outside:
// test/bench/firestore-usage.ts.)
import { createHash } from 'node:crypto';
import type { DocumentData, Firestore, Query } from '@google-cloud/firestore';
import type { CreateResult, ListQuery, OperationStore } from '../operations/ports.js';
import type { OperationRecord } from '../operations/record.js';
import { decodeCursor, encodeCursor } from './cursor.js';

type FirestoreModule = typeof import('@google-cloud/firestore');

export interface FirestoreStoreOptions {
  collection: string;
  idempotencyCollection: string;
}

export class FirestoreOperationStore implements OperationStore {
  private readonly sdk: FirestoreModule;
  private readonly db: Firestore;
  private readonly options: FirestoreStoreOptions;

  constructor(sdk: FirestoreModule, db: Firestore, options: FirestoreStoreOptions) {
    this.sdk = sdk;
    this.db = db;
    this.options = options;
  }

  private get operations() {
    return this.db.collection(this.options.collection);
  }

  async create(record: OperationRecord): Promise<CreateResult> {
    const opRef = this.operations.doc(record.id);
    if (record.idempotencyKey === undefined) {
      await opRef.create(this.toDoc(record));
      return { created: true, record };
    }
    const keyRef = this.db
      .collection(this.options.idempotencyCollection)
      .doc(createHash('sha256').update(`${record.principal}\u0000${record.idempotencyKey}`).digest('hex'));
    // The key document and the operation are created in one transaction: concurrent calls with the same key
    // serialize on the key document, and exactly one of them creates the operation.
    return this.db.runTransaction(async (tx) => {
      const key = await tx.get(keyRef);
      if (key.exists) {
        // A transaction retried after its commit was applied finds its own key: the create did happen.
        if (key.get('operationId') === record.id) return { created: true, record };
        const existing = await tx.get(this.operations.doc(String(key.get('operationId'))));
        if (existing.exists) return { created: false, record: this.fromDoc(existing.data()!) };
      }
      tx.set(keyRef, {
        operationId: record.id,
        principal: record.principal,
        expireAt: this.sdk.Timestamp.fromDate(new Date(record.expireAt)),
      });
      tx.create(opRef, this.toDoc(record));
      return { created: true, record };
    });
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const snap = await this.operations.doc(id).get();
    return snap.exists ? this.fromDoc(snap.data()!) : undefined;
  }

  async update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
  ): Promise<OperationRecord | undefined> {
    const ref = this.operations.doc(id);
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return undefined;
      const current = this.fromDoc(snap.data()!);
      const next = mutate(structuredClone(current));
      if (!next) return current;
      tx.set(ref, this.toDoc(next));
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
