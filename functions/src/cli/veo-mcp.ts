#!/usr/bin/env node
// `npx veo-mcp`: try the product by hand (commands, options and exit codes: `veo-mcp --help`, or USAGE in run.ts).
// This file only wires the CLI to the process: its streams, the configuration module (the same PORT /
// PUBLIC_BASE_URL the server reads, and the store settings for `keys`), the clock and a real pause between polls.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../config/index.js';
import type { KeysArgs } from './run.js';
import { runCli } from './run.js';
import { runKeysCommand } from './keys.js';
import { CliError, EXIT } from './exit-codes.js';

/** The keys commands talk to the store directly, configured from the environment as the functions are. */
async function keys(config: Config, args: KeysArgs): Promise<number> {
  if (config.store.kind !== 'firestore') {
    throw new CliError(
      EXIT.USAGE,
      'veo-mcp keys needs STORE=firestore (with GOOGLE_CLOUD_PROJECT, and FIRESTORE_DATABASE or ' +
        'FIRESTORE_API_KEYS_COLLECTION if not the defaults): keys in memory would vanish with this process. ' +
        'For a local server, list key hashes in API_KEY_HASHES instead.',
    );
  }
  const { createFirestore } = await import('../google-clients.js');
  const { FirestoreApiKeyStore } = await import('../store/api-keys-firestore.js');
  const { db } = await createFirestore(config);
  try {
    return await runKeysCommand(config, new FirestoreApiKeyStore(db, config.store.apiKeysCollection), args, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      now: () => new Date(),
    });
  } finally {
    await db.terminate();
  }
}

process.exitCode = await runCli(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  config: () => loadConfig(),
  now: () => Date.now(),
  pause: (ms) => sleep(ms),
  keys,
});
