// Counts the Firestore document reads and writes the operations make, for the benchmarks. The counter lives here, not
// in the Firestore adapter, so no counting ships in the deployed bundle: it wraps the methods of the runtime's store
// instance in place (the domain holds that same instance), and infers from each OperationStore call what
// FirestoreOperationStore reads and writes for it:
//   create        without a key: 1 write; with one: 1 read (the key) + 2 writes, or 2 reads when the key existed;
//                 a created record with a reservation adds 3 reads and 3 writes (the usage counters)
//   get           1 read                     findByVeoOperationName   1 read
//   update        1 read per transaction attempt (each calls `mutate`), 1 write when the last attempt changed it,
//                 and the ending's release: 1 write (running), 3 when seconds come back
//   list, findDue 1 read per document returned (a list page reads one more when there is a next page), at least 1
//   countCall     1 read + 1 write (the minute's counter; a refused call: 1 read)      usage   4 reads
//   createInLine  as create with its key and reservation, plus the model's gate: 1 read + 1 write
//   dispatch      per transaction attempt 3 reads (the record, the gate, the running counter); on the last, 1 write
//                 for each of record, gate and running counter it changes (an ending's release: 1 or 3)
//   gate          1 read per attempt; 1 write when the last attempt changed it
import type { OperationStore, UsageLedger } from '../../functions/src/operations/ports.js';

export interface DocumentAccess {
  reads: number;
  writes: number;
}

export function countDocumentAccess(store: OperationStore & UsageLedger): DocumentAccess {
  const count: DocumentAccess = { reads: 0, writes: 0 };
  const original = {
    create: store.create.bind(store),
    get: store.get.bind(store),
    update: store.update.bind(store),
    list: store.list.bind(store),
    findDue: store.findDue.bind(store),
    findByVeoOperationName: store.findByVeoOperationName.bind(store),
    countCall: store.countCall.bind(store),
    usage: store.usage.bind(store),
    createInLine: store.createInLine.bind(store),
    dispatch: store.dispatch.bind(store),
    gate: store.gate.bind(store),
  };
  const documents = (n: number) => (count.reads += Math.max(1, n));

  store.create = async (record, admit) => {
    const result = await original.create(record, admit);
    if (record.idempotencyKey === undefined) {
      count.writes += 1;
    } else if (result.created) {
      count.reads += 1;
      count.writes += 2;
    } else {
      count.reads += 2;
    }
    if (result.created && record.reservation) {
      count.reads += 3;
      count.writes += 3;
    }
    return result;
  };
  store.get = async (id) => {
    count.reads++;
    return original.get(id);
  };
  store.update = async (id, mutate, release) => {
    let attempts = 0;
    let changed = false;
    let releasedWrites = 0;
    const result = await original.update(
      id,
      (current) => {
        attempts++;
        const next = mutate(current);
        changed = next !== undefined;
        return next;
      },
      release &&
        ((before, after) => {
          const released = release(before, after);
          releasedWrites = released ? (released.seconds > 0 ? 3 : 1) : 0;
          return released;
        }),
    );
    count.reads += Math.max(1, attempts); // A missing document is one read and no attempt.
    if (changed) count.writes += 1 + releasedWrites;
    return result;
  };
  store.list = async (query) => {
    const page = await original.list(query);
    documents(page.records.length + (page.nextCursor ? 1 : 0));
    return page;
  };
  store.findDue = async (dueBefore, limit) => {
    const due = await original.findDue(dueBefore, limit);
    documents(due.length);
    return due;
  };
  store.findByVeoOperationName = async (name) => {
    count.reads++;
    return original.findByVeoOperationName(name);
  };
  store.countCall = async (principal, minute, admit) => {
    count.reads++;
    await original.countCall(principal, minute, admit);
    count.writes++;
  };
  store.usage = async (principal, day, minute) => {
    count.reads += 4;
    return original.usage(principal, day, minute);
  };
  store.createInLine = async (record, gateKey, admit) => {
    const result = await original.createInLine(record, gateKey, admit);
    if (result.created) {
      count.reads += 1 + 3 + (record.idempotencyKey === undefined ? 0 : 1);
      count.writes += 1 + 3 + 1 + (record.idempotencyKey === undefined ? 0 : 1);
    } else {
      count.reads += 2;
    }
    return result;
  };
  store.dispatch = async (id, gateKey, decide) => {
    let attempts = 0;
    let writes = 0;
    const result = await original.dispatch(id, gateKey, (current, gate, running) => {
      attempts++;
      const change = decide(current, gate, running);
      writes =
        (change?.record ? 1 : 0) +
        (change?.gate ? 1 : 0) +
        (change?.running ? 1 : 0) +
        (change?.release ? (change.release.seconds > 0 ? 3 : 1) : 0);
      return change;
    });
    count.reads += 3 * Math.max(1, attempts);
    count.writes += writes;
    return result;
  };
  store.gate = async (gateKey, mutate) => {
    let attempts = 0;
    let changed = false;
    const result = await original.gate(
      gateKey,
      mutate &&
        ((gate) => {
          attempts++;
          const next = mutate(gate);
          changed = next !== undefined;
          return next;
        }),
    );
    count.reads += Math.max(1, attempts);
    if (changed) count.writes += 1;
    return result;
  };
  return count;
}
