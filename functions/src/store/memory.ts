// In-memory OperationStore for `npm start` and tests. One process only: records vanish with it.
// Serializes writes per store so read-modify-write behaves like a transaction.
import type { CreateResult, ListQuery, OperationStore } from '../operations/ports.js';
import type { OperationRecord } from '../operations/record.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export class MemoryOperationStore implements OperationStore {
  private readonly records = new Map<string, OperationRecord>();
  private readonly idempotency = new Map<string, string>();

  async create(record: OperationRecord): Promise<CreateResult> {
    if (record.idempotencyKey !== undefined) {
      const key = `${record.principal}\u0000${record.idempotencyKey}`;
      const existingId = this.idempotency.get(key);
      const existing = existingId ? this.records.get(existingId) : undefined;
      if (existing) return { created: false, record: structuredClone(existing) };
      this.idempotency.set(key, record.id);
    }
    this.records.set(record.id, structuredClone(record));
    return { created: true, record: structuredClone(record) };
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  async update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
  ): Promise<OperationRecord | undefined> {
    const current = this.records.get(id);
    if (!current) return undefined;
    const next = mutate(structuredClone(current));
    if (next) this.records.set(id, structuredClone(next));
    return structuredClone(next ?? current);
  }

  async list(query: ListQuery): Promise<{ records: OperationRecord[]; nextCursor?: string }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const matching = [...this.records.values()]
      .filter((r) => r.principal === query.principal && (!query.status || r.status === query.status))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .filter((r) => after === undefined || r.id < after);
    const page = matching.slice(0, query.limit);
    const nextCursor = matching.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : undefined;
    return { records: page.map((r) => structuredClone(r)), nextCursor };
  }

  async findByVeoOperationName(name: string): Promise<OperationRecord | undefined> {
    const found = [...this.records.values()].find((r) => r.veoOperationName === name);
    return found && structuredClone(found);
  }

  async findDue(dueBefore: Date, limit: number): Promise<OperationRecord[]> {
    const at = dueBefore.toISOString();
    return [...this.records.values()]
      .filter((r) => r.nextPollAt !== undefined && r.nextPollAt <= at)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
}
