// A throwaway service-account key file: the Google clients sign V4 URLs with it offline, as with a real key.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The key, made once per process (an RSA key takes 50-200 ms of CPU): every file written in a process holds the same
 * key, which no test tells apart from another (nothing holds its public half).
 */
let privateKey: KeyObject | undefined;

/** Writes a new key file for `projectId` to `dir` (default: a new temporary folder) and returns its path. */
export function writeServiceAccountKey(
  projectId: string,
  dir: string = mkdtempSync(path.join(tmpdir(), 'veo-sa-')),
): string {
  privateKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const file = path.join(dir, 'key.json');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'test-key',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: `veo-mcp@${projectId}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: 'http://127.0.0.1:9/token',
    }),
  );
  return file;
}
