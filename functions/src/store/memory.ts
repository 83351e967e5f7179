// In-memory OperationStore (and UsageLedger) for `npm start` and tests. One process only: records and usage
// counters vanish with it, and two processes do not share them — the cloud uses Firestore (firestore.ts).
// Each method reads and writes without awaiting in between, so read-modify-write behaves like a transaction.
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

/** Usage counter keys: a principal's seconds on a day, everyone's on a day, running operations, calls in a minute. */
const counter = {
  principalDay: (principal: string, day: string) => `principal\u0000${principal}\u0000day\u0000${day}`,
  totalDay: (day: string) => `total\u0000day\u0000${day}`,
  running: (principal: string) => `principal\u0000${principal}\u0000running`,
  minute: (principal: string, minute: string) => `principal\u0000${principal}\u0000minute\u0000${minute}`,
};

export class MemoryOperationStore implements OperationStore, UsageLedger {
  private readonly records = new Map<string, OperationRecord>();
  private readonly idempotency = new Map<string, string>();
  /** Usage counters by key (see `counter`); old windows are never read again and cost a few bytes each. */
  private readonly counters = new Map<string, number>();
  /** Admission gates by key (operations/gate.ts). */
  private readonly gates = new Map<string, GateState>();

  async createInLine(
    record: OperationRecord,
    gateKey: string,
    admit: (usage: StartUsage, gate: GateState) => GateState,
  ): Promise<CreateResult> {
    // Written inside `create`'s admission, which runs without awaiting: the record, its reservation and its place in
    // line change together, as in one transaction.
    return this.create(record, (usage) => {
      this.gates.set(gateKey, structuredClone(admit(usage, this.gateOf(gateKey))));
    });
  }

  async dispatch(
    id: string,
    gateKey: string,
    decide: (current: OperationRecord, gate: GateState, running: number) => DispatchChange | undefined,
  ): Promise<{ record: OperationRecord; gate: GateState } | undefined> {
    const current = this.records.get(id);
    if (!current) return undefined;
    const gate = this.gateOf(gateKey);
    const change = decide(structuredClone(current), gate, this.count(counter.running(current.principal)));
    if (change?.record) this.records.set(id, structuredClone(change.record));
    if (change?.gate) this.gates.set(gateKey, structuredClone(change.gate));
    if (change?.running) this.add(counter.running(current.principal), change.running);
    if (change?.release) this.release(change.release);
    return { record: structuredClone(this.records.get(id)!), gate: this.gateOf(gateKey) };
  }

  async gate(gateKey: string, mutate?: (gate: GateState) => GateState | undefined): Promise<GateState> {
    const next = mutate?.(this.gateOf(gateKey));
    if (next) this.gates.set(gateKey, structuredClone(next));
    return this.gateOf(gateKey);
  }

  private gateOf(key: string): GateState {
    return structuredClone(this.gates.get(key) ?? emptyGate());
  }

  async create(record: OperationRecord, admit?: (usage: StartUsage) => void): Promise<CreateResult> {
    const key =
      record.idempotencyKey === undefined ? undefined : `${record.principal}\u0000${record.idempotencyKey}`;
    if (key !== undefined) {
      const existingId = this.idempotency.get(key);
      const existing = existingId ? this.records.get(existingId) : undefined;
      if (existing) return { created: false, record: structuredClone(existing) };
    }
    if (record.reservation) {
      const { day, seconds } = record.reservation;
      const keys = {
        principalDay: counter.principalDay(record.principal, day),
        totalDay: counter.totalDay(day),
        running: counter.running(record.principal),
      };
      admit?.({
        principalDaySeconds: this.count(keys.principalDay),
        totalDaySeconds: this.count(keys.totalDay),
        running: this.count(keys.running),
      });
      this.add(keys.principalDay, seconds);
      this.add(keys.totalDay, seconds);
      // Operations that wait in line take their running slot when their submit goes out (submit.ts).
      if (record.reservation.running !== false) this.add(keys.running, 1);
    }
    if (key !== undefined) this.idempotency.set(key, record.id);
    this.records.set(record.id, structuredClone(record));
    return { created: true, record: structuredClone(record) };
  }

  async countCall(
    principal: string,
    minute: string,
    admit: (callsThisMinute: number) => void,
  ): Promise<void> {
    const key = counter.minute(principal, minute);
    admit(this.count(key));
    this.add(key, 1);
  }

  async usage(principal: string, day: string, minute: string): Promise<UsageSnapshot> {
    return {
      principalDaySeconds: this.count(counter.principalDay(principal, day)),
      totalDaySeconds: this.count(counter.totalDay(day)),
      running: this.count(counter.running(principal)),
      callsThisMinute: this.count(counter.minute(principal, minute)),
    };
  }

  private count(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  private add(key: string, amount: number): void {
    this.counters.set(key, this.count(key) + amount);
  }

  private release({ principal, day, seconds, running }: UsageRelease): void {
    if (running) this.add(counter.running(principal), -1);
    if (seconds === 0) return;
    this.add(counter.principalDay(principal, day), -seconds);
    this.add(counter.totalDay(day), -seconds);
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  async update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
    release?: (before: OperationRecord, after: OperationRecord) => UsageRelease | undefined,
  ): Promise<OperationRecord | undefined> {
    const current = this.records.get(id);
    if (!current) return undefined;
    const next = mutate(structuredClone(current));
    if (next) {
      const released = release?.(current, next);
      if (released) this.release(released);
      this.records.set(id, structuredClone(next));
    }
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
