// How the Google Cloud clients (Firestore, Pub/Sub, Storage) are built from Config: project, key file and emulator
// endpoints are passed to each constructor explicitly, so a runtime built from a Config talks to what that Config
// names, whatever the process environment holds. The SDKs are imported only when a client is created.
import type { Settings as FirestoreSettings } from '@google-cloud/firestore';
import type { ClientConfig as PubSubOptions } from '@google-cloud/pubsub';
import type { StorageOptions } from '@google-cloud/storage';
import type { Config } from './config/index.js';

type ClientConfig = Pick<Config, 'google' | 'store' | 'queue' | 'blobs'>;
/** The credentials a key file yields, shared by the three clients (one token cache). */
type Auth = import('google-auth-library').GoogleAuth;

/** Project and, with a key file, the credentials built from it, the same for every client. */
function identity(config: ClientConfig, auth?: Auth): { projectId?: string; auth?: Auth } {
  return { projectId: config.google.project, ...(auth ? { auth } : {}) };
}

export function firestoreSettings(config: ClientConfig, auth?: Auth): FirestoreSettings {
  return {
    ...identity(config, auth),
    databaseId: config.store.database,
    ignoreUndefinedProperties: true,
    // The emulator speaks plain gRPC; the client then sends the emulator's "owner" token instead of credentials.
    ...(config.store.emulatorHost ? { host: config.store.emulatorHost, ssl: false } : {}),
  };
}

export function pubsubOptions(config: ClientConfig, auth?: Auth): PubSubOptions {
  // emulatorMode: plain gRPC without credentials, whatever the host is called.
  const emulator = config.queue.emulatorHost;
  return { ...identity(config, auth), ...(emulator ? { apiEndpoint: emulator, emulatorMode: true } : {}) };
}

/** With a key file, V4 signed URLs are signed with its key, offline; without one, through IAM signBlob. */
export function storageOptions(config: ClientConfig, auth?: Auth): StorageOptions {
  const emulator = config.blobs.emulatorHost;
  const { projectId } = identity(config);
  return { projectId, ...(auth ? { authClient: auth } : {}), ...(emulator ? { apiEndpoint: emulator } : {}) };
}

const KEY_TYPES = ['service_account', 'authorized_user'] as const;
const keyFileAuths = new Map<string, Promise<Auth>>();

/**
 * The credentials of GOOGLE_APPLICATION_CREDENTIALS, built as Google now advises for a credential file (checked
 * 2026-12-02: google-auth-library 11 deprecates the clients' `keyFilename` and warns on every client; see
 * https://cloud.google.com/docs/authentication/external/externally-sourced-credentials): read it, accept only the
 * types this server uses, and build the client for that type. A service-account key also answers getCredentials()
 * with its email, which @google-cloud/storage reads to sign V4 URLs offline (GoogleAuth answers it only for the
 * deprecated options). Without a key file the clients use Application Default Credentials (the metadata server).
 */
export function keyFileAuth(config: ClientConfig): Promise<Auth> | undefined {
  const file = config.google.credentialsFile;
  if (!file) return undefined;
  let auth = keyFileAuths.get(file);
  if (!auth) {
    auth = buildKeyFileAuth(file, config.google.project);
    keyFileAuths.set(file, auth);
    auth.catch(() => keyFileAuths.delete(file));
  }
  return auth;
}

async function buildKeyFileAuth(file: string, projectId: string | undefined): Promise<Auth> {
  const { readFile } = await import('node:fs/promises');
  const { GoogleAuth, JWT, UserRefreshClient } = await import('google-auth-library');
  const problem = (what: string) =>
    new Error(
      `GOOGLE_APPLICATION_CREDENTIALS=${file}: ${what}. Allowed: a ${KEY_TYPES.join(' or ')} JSON file.`,
    );
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw problem(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // JSON.parse's message quotes the text around the error: never a key's bytes in a message.
    throw problem('is not JSON');
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw problem('is not a JSON object');
  const field = (name: string): string => {
    const value = key[name];
    if (typeof value !== 'string' || !value) throw problem(`"${name}" is missing`);
    return value;
  };
  const scopes = ['https://www.googleapis.com/auth/cloud-platform'];
  if (key['type'] === 'service_account') {
    const email = field('client_email');
    const jwt = new JWT({ email, key: field('private_key'), keyId: key['private_key_id'] as string, scopes });
    const project = projectId ?? (key['project_id'] as string | undefined);
    return new (class extends GoogleAuth {
      override async getCredentials() {
        return { client_email: email, universe_domain: await this.getUniverseDomain() };
      }
    })({ authClient: jwt, ...(project ? { projectId: project } : {}) });
  }
  if (key['type'] === 'authorized_user') {
    const client = new UserRefreshClient({
      clientId: field('client_id'),
      clientSecret: field('client_secret'),
      refreshToken: field('refresh_token'),
    });
    return new GoogleAuth({ authClient: client, ...(projectId ? { projectId } : {}) });
  }
  throw problem(
    key['type'] === undefined ? 'it has no "type"' : `its type is ${JSON.stringify(key['type'])}`,
  );
}

export async function createFirestore(config: ClientConfig) {
  const sdk = await import('@google-cloud/firestore');
  return { sdk, db: new sdk.Firestore(firestoreSettings(config, await keyFileAuth(config))) };
}

export async function createPubSub(config: ClientConfig) {
  const { PubSub } = await import('@google-cloud/pubsub');
  return new PubSub(pubsubOptions(config, await keyFileAuth(config)));
}

export async function createStorage(config: ClientConfig) {
  const { Storage } = await import('@google-cloud/storage');
  return new Storage(storageOptions(config, await keyFileAuth(config)));
}
