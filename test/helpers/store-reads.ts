// Counts the store's record reads while a test runs, to assert that a refusal read nothing.
import type { OperationStore } from '../../functions/src/operations/ports.js';

/** Starts counting `store.get` calls; `restore()` puts the store back. */
export function countStoreReads(store: OperationStore): { readonly reads: number; restore(): void } {
  const get = store.get.bind(store);
  let reads = 0;
  store.get = async (...args) => {
    reads++;
    return get(...args);
  };
  return {
    get reads() {
      return reads;
    },
    restore: () => {
      store.get = get;
    },
  };
}
