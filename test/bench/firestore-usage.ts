// Counts the Firestore document reads and writes the operations make, for the benchmarks. The counter lives here, not
// in the Firestore adapter, so no counting ships in the deployed bundle: it wraps the methods of the runtime's store
// instance in place (the domain holds that same instance), and infers from each OperationStore call what
// FirestoreOperationStore reads and writes for it:
//   create        without a key: 1 write; with one: 1 read (the key) + 2 writes, or 2 reads when the key existed
//   get           1 read                     findByVeoOperationName   1 read
//   update        1 read per transaction attempt (each calls `mutate`), 1 write when the last attempt changed it
//   list, findDue 1 read per document returned (a list page reads one more when there is a next page), at least 1
import type { OperationStore } from '../../functions/src/operations/ports.js';

export interface DocumentAccess {
  reads: number;
  writes: number;
}

export function countDocumentAccess(store: OperationStore): DocumentAccess {
  const count: DocumentAccess = { reads: 0, writes: 0 };
  const original = {
    create: store.create.bind(store),
    get: store.get.bind(store),
    update: store.update.bind(store),
    list: store.list.bind(store),
    findDue: store.findDue.bind(store),
    findByVeoOperationName: store.findByVeoOperationName.bind(store),
  };
  const documents = (n: number) => (count.reads += Math.max(1, n));

  store.create = async (record) => {
    const result = await original.create(record);
    if (record.idempotencyKey === undefined) {
      count.writes += 1;
    } else if (result.created) {
      count.reads += 1;
      count.writes += 2;
    } else {
      count.reads += 2;
    }
    return result;
  };
  store.get = async (id) => {
    count.reads++;
    return original.get(id);
  };
  store.update = async (id, mutate) => {
    let attempts = 0;
    let changed = false;
    const result = await original.update(id, (current) => {
      attempts++;
      const next = mutate(current);
      changed = next !== undefined;
      return next;
    });
    count.reads += Math.max(1, attempts); // A missing document is one read and no attempt.
    if (changed) count.writes++;
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
  return count;
}
