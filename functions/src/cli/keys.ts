// `veo-mcp keys create|list|revoke`: manages the API keys of AUTH_MODE=api_key in the store the deployment reads
// (STORE=firestore, FIRESTORE_API_KEYS_COLLECTION), with the same configuration as the functions. A new key is
// printed once, on stdout alone; only its SHA-256 is stored. Nothing here ever prints a key again, nor a whole hash.
import type { Config } from '../config/index.js';
import { CliError, EXIT } from './exit-codes.js';
import { keyIdOf, keyRefusal, newApiKey, type ApiKeyRecord, type ApiKeyStore } from '../auth/api-keys.js';

export const KEYS_USAGE = `  veo-mcp keys create --principal NAME [--expires-in-days N]
  veo-mcp keys list
  veo-mcp keys revoke KEY_ID        (the id list shows, or a unique prefix of it)`;

export interface KeysIo {
  out: (line: string) => void;
  err: (line: string) => void;
  now: () => Date;
}

/**
 * The keys commands as `veo-mcp keys` runs them: on the Firestore store the deployment reads, configured from the
 * environment as the functions are (a usage error, exit 2, with any other store: keys in memory would vanish with the
 * process).
 */
export async function runKeysOnFirestore(
  config: Config,
  args: Parameters<typeof runKeysCommand>[2],
  io: KeysIo,
): Promise<number> {
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
    return await runKeysCommand(
      config,
      new FirestoreApiKeyStore(db, config.store.apiKeysCollection),
      args,
      io,
    );
  } finally {
    await db.terminate();
  }
}

/** Runs one keys subcommand; returns the exit code (0, or 2 for a usage or lookup error). */
export async function runKeysCommand(
  config: Pick<Config, 'auth'>,
  store: ApiKeyStore,
  args: { command?: string; target?: string; principal?: string; expiresInDays?: string },
  io: KeysIo,
): Promise<number> {
  // One line, as every veo-mcp error (run.ts); the exit code is the CLI's usage code (exit-codes.ts).
  const fail = (message: string): number => {
    io.err(`veo-mcp: ${message}`);
    return EXIT.USAGE;
  };
  switch (args.command) {
    case 'create': {
      if (!args.principal) return fail(`keys create needs --principal NAME (veo-mcp --help)`);
      let days: number | undefined;
      if (args.expiresInDays !== undefined) {
        days = Number(args.expiresInDays);
        if (!Number.isInteger(days) || days < 1 || days > 3650) {
          return fail(`--expires-in-days ${args.expiresInDays}: must be whole days from 1 to 3650`);
        }
      }
      let made;
      try {
        made = newApiKey(args.principal, io.now(), days);
      } catch (err) {
        return fail((err as Error).message);
      }
      await store.create(made.record);
      io.err(
        `Created API key ${keyIdOf(made.record.hash)} for principal ${made.record.principal} ` +
          `(${made.record.expiresAt ? `expires ${made.record.expiresAt}` : 'no expiry'}). ` +
          'It is shown only this once; only its SHA-256 is stored:',
      );
      io.out(made.key);
      if (config.auth.mode !== 'api_key') {
        io.err(
          'Note: AUTH_MODE is not api_key in this configuration; the deployment must run with AUTH_MODE=api_key.',
        );
      }
      return 0;
    }
    case 'list': {
      const records = await store.list();
      if (records.length === 0) {
        io.out('No API keys.');
        return 0;
      }
      const rows = records.map((r) => [
        keyIdOf(r.hash),
        r.principal,
        r.createdAt,
        r.expiresAt ?? '-',
        statusOf(r, io.now()),
      ]);
      const header = ['ID', 'PRINCIPAL', 'CREATED', 'EXPIRES', 'STATUS'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      for (const row of [header, ...rows])
        io.out(
          row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
      return 0;
    }
    case 'revoke': {
      const id = args.target?.toLowerCase();
      if (!id || !/^[0-9a-f]{6,64}$/.test(id)) {
        return fail(`keys revoke needs a KEY_ID (6 to 64 hex digits, as keys list shows) (veo-mcp --help)`);
      }
      const matches = (await store.list()).filter((r) => r.hash.startsWith(id));
      if (matches.length === 0) return fail(`No API key has id ${id} (veo-mcp keys list shows them).`);
      if (matches.length > 1) return fail(`${matches.length} API keys start with ${id}: give more digits.`);
      const revoked = await store.revoke(matches[0]!.hash, io.now().toISOString());
      io.out(
        `Revoked API key ${keyIdOf(matches[0]!.hash)} (principal ${revoked?.principal ?? matches[0]!.principal}). ` +
          `Every instance refuses it within AUTH_CACHE_SECONDS (${config.auth.cacheSeconds} s).`,
      );
      return 0;
    }
    default:
      return fail(`unknown keys command ${args.command ?? '(none)'} (veo-mcp --help)`);
  }
}

function statusOf(record: ApiKeyRecord, now: Date): string {
  const refusal = keyRefusal(record, now);
  if (refusal === 'revoked') return `revoked ${record.revokedAt ?? ''}`.trim();
  return refusal ?? 'active';
}
