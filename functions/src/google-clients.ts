// How the Google Cloud clients (Firestore, Pub/Sub, Storage) are built from Config: project, key file and emulator
// endpoints are passed to each constructor explicitly, so a runtime built from a Config talks to what that Config
// names, whatever the process environment holds. The SDKs are imported only when a client is created.
import type { Settings as FirestoreSettings } from '@google-cloud/firestore';
import type { ClientConfig as PubSubOptions } from '@google-cloud/pubsub';
import type { StorageOptions } from '@google-cloud/storage';
import type { Config } from './config/index.js';

type ClientConfig = Pick<Config, 'google' | 'store' | 'queue' | 'blobs'>;

/** Project and key file, the same for every client. */
function identity(config: ClientConfig): { projectId?: string; keyFilename?: string } {
  const { project, credentialsFile } = config.google;
  return { projectId: project, ...(credentialsFile ? { keyFilename: credentialsFile } : {}) };
}

export function firestoreSettings(config: ClientConfig): FirestoreSettings {
  return {
    ...identity(config),
    databaseId: config.store.database,
    ignoreUndefinedProperties: true,
    // The emulator speaks plain gRPC; the client then sends the emulator's "owner" token instead of credentials.
    ...(config.store.emulatorHost ? { host: config.store.emulatorHost, ssl: false } : {}),
  };
}

export function pubsubOptions(config: ClientConfig): PubSubOptions {
  // emulatorMode: plain gRPC without credentials, whatever the host is called.
  const emulator = config.queue.emulatorHost;
  return { ...identity(config), ...(emulator ? { apiEndpoint: emulator, emulatorMode: true } : {}) };
}

/** With a key file, V4 signed URLs are signed with its key, offline; without one, through IAM signBlob. */
export function storageOptions(config: ClientConfig): StorageOptions {
  const emulator = config.blobs.emulatorHost;
  return { ...identity(config), ...(emulator ? { apiEndpoint: emulator } : {}) };
}

export async function createFirestore(config: ClientConfig) {
  const sdk = await import('@google-cloud/firestore');
  return { sdk, db: new sdk.Firestore(firestoreSettings(config)) };
}

export async function createPubSub(config: ClientConfig) {
  const { PubSub } = await import('@google-cloud/pubsub');
  return new PubSub(pubsubOptions(config));
}

export async function createStorage(config: ClientConfig) {
  const { Storage } = await import('@google-cloud/storage');
  return new Storage(storageOptions(config));
}
