// Waiting on another process through the file system: woken by file-system events on the folder of the file, and
// re-checking at least every `recheckMs` (events can be coalesced, or come before the watch starts).
import { existsSync } from 'node:fs';
import { watch } from 'node:fs/promises';
import path from 'node:path';

/** Resolves on the next event about `file`, or after `recheckMs`. */
export async function nextChange(file: string, recheckMs = 1000): Promise<void> {
  try {
    for await (const event of watch(path.dirname(file), { signal: AbortSignal.timeout(recheckMs) })) {
      if (event.filename === path.basename(file)) return;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}

/** Resolves once `file` exists (`present`) or is gone. */
export async function untilPath(file: string, present: boolean, recheckMs = 1000): Promise<void> {
  while (existsSync(file) !== present) await nextChange(file, recheckMs);
}
