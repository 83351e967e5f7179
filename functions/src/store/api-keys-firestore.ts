// Firestore ApiKeyStore: FIRESTORE_API_KEYS_COLLECTION/{sha256 hex of the key}. A lookup is one document get by id
// (no query, so no index); listing reads the whole collection, which holds one small document per key ever made.
// Records are kept after revocation or expiry, so `veo-mcp keys list` shows what was revoked and when.
import type { DocumentData, Firestore } from '@google-cloud/firestore';
import type { ApiKeyRecord, ApiKeyStore } from '../auth/api-keys.js';

export class FirestoreApiKeyStore implements ApiKeyStore {
  private readonly db: Firestore;
  private readonly collection: string;

  constructor(db: Firestore, collection: string) {
    this.db = db;
    this.collection = collection;
  }

  private get keys() {
    return this.db.collection(this.collection);
  }

  async get(hash: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.keys.doc(hash).get();
    return doc.exists ? fromDoc(hash, doc.data()!) : undefined;
  }

  async create(record: ApiKeyRecord): Promise<void> {
    const { hash, ...fields } = record;
    await this.keys.doc(hash).create({ hash, ...fields });
  }

  async list(): Promise<ApiKeyRecord[]> {
    const snapshot = await this.keys.orderBy('createdAt').get();
    return snapshot.docs.map((doc) => fromDoc(doc.id, doc.data()));
  }

  async revoke(hash: string, at: string): Promise<ApiKeyRecord | undefined> {
    const ref = this.keys.doc(hash);
    return this.db.runTransaction(async (tx) => {
      const doc = await tx.get(ref);
      if (!doc.exists) return undefined;
      const record = fromDoc(hash, doc.data()!);
      if (record.revoked) return record;
      tx.update(ref, { revoked: true, revokedAt: at });
      return { ...record, revoked: true, revokedAt: at };
    });
  }
}

function fromDoc(id: string, data: DocumentData): ApiKeyRecord {
  return {
    hash: typeof data['hash'] === 'string' ? data['hash'] : id,
    principal: String(data['principal']),
    createdAt: String(data['createdAt']),
    revoked: data['revoked'] === true,
    ...(typeof data['expiresAt'] === 'string' ? { expiresAt: data['expiresAt'] } : {}),
    ...(typeof data['revokedAt'] === 'string' ? { revokedAt: data['revokedAt'] } : {}),
  };
}
