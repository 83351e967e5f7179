// Real emulators for the Google Cloud backends, started on free ports and stopped afterwards:
// the official Firestore and Pub/Sub emulators from the Google Cloud CLI, and GCS through the Firebase Storage
// emulator's HTTP server (firebase-tools, a test tool installed on first use) run in-process.
// SKIP_EMULATOR_TESTS=1 skips these tests explicitly.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startProcess, type RunningProcess } from './process.js';
import { ensureTestTool } from './test-tools.js';

export const PROJECT_ID = 'demo-veo-mcp';

/** Why emulator tests are skipped (SKIP_EMULATOR_TESTS=1), or undefined to run them. */
export const emulatorSkip: string | undefined =
  process.env.SKIP_EMULATOR_TESTS === '1'
    ? 'SKIP_EMULATOR_TESTS=1: emulator tests skipped on request'
    : undefined;

export interface Emulators {
  projectId: string;
  /** Environment for processes and clients: emulator hosts, project, a service-account key that signs URLs. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'The Firestore and Pub/Sub emulators come from the Google Cloud CLI: install it (Debian: apt-get install ' +
  'google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator, plus a Java runtime), ' +
  'or set SKIP_EMULATOR_TESTS=1 to skip these tests explicitly.';

function checkPrerequisites(): void {
  for (const [command, args] of [
    ['gcloud', ['--version']],
    ['java', ['-version']],
  ] as const) {
    const result = spawnSync(command, args, { stdio: 'ignore' });
    if (result.error || result.status !== 0) {
      throw new Error(`Emulator tests need \`${command}\`, which is not available here. ${INSTALL_HINT}`);
    }
  }
}

async function startJavaEmulator(args: string[], ready: RegExp, name: string): Promise<RunningProcess> {
  try {
    return await startProcess('gcloud', args, {}, ready, { detached: true });
  } catch (err) {
    throw new Error(`The ${name} emulator did not start. ${INSTALL_HINT}\n${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The Firebase Storage emulator's GCS JSON API server, without its Java rules runtime. */
async function startStorageEmulator(port: number): Promise<Server> {
  const tool = await ensureTestTool('storage-emulator');
  const require = createRequire(path.join(tool.dir, 'package.json'));
  const { StorageEmulator } = require('firebase-tools/lib/emulator/storage/index.js');
  const { createApp } = require('firebase-tools/lib/emulator/storage/server.js');
  const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry.js');
  const emulator = new StorageEmulator({ projectId: PROJECT_ID, rules: [], host: '127.0.0.1', port });
  EmulatorRegistry.set('storage', emulator);
  const app = await createApp(PROJECT_ID, emulator);
  const server: Server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A throwaway service-account key: V4 signed URLs are produced offline with it, as with a real key file. */
function writeServiceAccountKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'veo-sa-')), 'key.json');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: PROJECT_ID,
      private_key_id: 'emulator-test-key',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: `veo-mcp@${PROJECT_ID}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: 'http://127.0.0.1:9/token',
    }),
  );
  return file;
}

/** Starts all three emulators and points this process's Google clients at them. */
export async function startEmulators(): Promise<Emulators> {
  checkPrerequisites();
  const [firestorePort, pubsubPort, storagePort] = [await freePort(), await freePort(), await freePort()];
  const [firestore, pubsub, storage] = await Promise.all([
    startJavaEmulator(
      ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${firestorePort}`],
      /Dev App Server is now running/,
      'Firestore',
    ),
    startJavaEmulator(
      [
        'beta',
        'emulators',
        'pubsub',
        'start',
        `--host-port=127.0.0.1:${pubsubPort}`,
        `--project=${PROJECT_ID}`,
      ],
      /Server started, listening/,
      'Pub/Sub',
    ),
    startStorageEmulator(storagePort),
  ]);
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT_ID,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${firestorePort}`,
    PUBSUB_EMULATOR_HOST: `127.0.0.1:${pubsubPort}`,
    STORAGE_EMULATOR_HOST: `http://127.0.0.1:${storagePort}`,
    GOOGLE_APPLICATION_CREDENTIALS: writeServiceAccountKey(),
  };
  Object.assign(process.env, env);
  return {
    projectId: PROJECT_ID,
    env,
    async stop() {
      storage.closeAllConnections();
      await new Promise<void>((resolve) => storage.close(() => resolve()));
      await Promise.all([firestore.stop(), pubsub.stop()]);
    },
  };
}
