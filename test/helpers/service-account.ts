// A throwaway service-account key file: the Google clients sign V4 URLs with it offline, as with a real key.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes a fresh key for `projectId` to `dir` (default: a new temporary folder) and returns the file's path. */
export function writeServiceAccountKey(
  projectId: string,
  dir: string = mkdtempSync(path.join(tmpdir(), 'veo-sa-')),
): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
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
