// In-memory ApiKeyStore for `npm start` and tests: one process only, so keys made here vanish with it (the CLI
// therefore refuses STORE=memory; locally, API_KEY_HASHES is the simple way to run with keys).
import type { ApiKeyRecord, ApiKeyStore } from '../auth/api-keys.js';

export class MemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  async get(hash: string): Promise<ApiKeyRecord | undefined> {
    const record = this.records.get(hash);
    return record && structuredClone(record);
  }

  async create(record: ApiKeyRecord): Promise<void> {
    if (this.records.has(record.hash)) throw new Error('An API key with this hash already exists');
    this.records.set(record.hash, structuredClone(record));
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()]
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => structuredClone(r));
  }

  async revoke(hash: string, at: string): Promise<ApiKeyRecord | undefined> {
    const record = this.records.get(hash);
    if (!record) return undefined;
    if (!record.revoked) Object.assign(record, { revoked: true, revokedAt: at });
    return structuredClone(record);
  }
}
