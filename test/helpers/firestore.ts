// Awaits an operation document reaching a final status through a Firestore listener: an event, not a poll loop.
import type { DocumentReference } from '@google-cloud/firestore';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'FILTERED', 'CANCELLED', 'EXPIRED']);

export function awaitFinalStatus(doc: DocumentReference, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${doc.path} did not reach a final status within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = doc.onSnapshot(
      (snap) => {
        const status = snap.get('status') as string | undefined;
        if (status && FINAL.has(status)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(status);
        }
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
