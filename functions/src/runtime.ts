// The composition root: builds one set of adapters per instance from Config and wires them into the domain.
// Google clients are imported only when their adapter is selected, and created once per instance.
import type {
  BlobStore,
  CompletionSink,
  OperationStore,
  PollQueue,
  UsageLedger,
} from './operations/ports.js';
import type { ApiKeyStore } from './auth/api-keys.js';
import { createAuthenticator, type Authenticator } from './auth/principal.js';
import { LocalBlobStore } from './blobs/local.js';
import type { Config } from './config/index.js';
import { createFirestore, createPubSub, createStorage } from './google-clients.js';
import { errorFields, log, setLogLevel } from './log.js';
import type { EgressOptions } from './net/egress.js';
import { systemClock, type Clock } from './operations/clock.js';
import { Operations } from './operations/index.js';
import type { Backend } from './operations/record.js';
import type { WebhookDelivery } from './queue/completion-event.js';
import { InProcessCompletionSink, InProcessPollQueue } from './queue/inprocess.js';
import { deliverWebhook } from './queue/webhook.js';
import { MemoryApiKeyStore } from './store/api-keys-memory.js';
import { MemoryOperationStore } from './store/memory.js';
import { OmniAdapter } from './video/omni.js';
import { ModelRouter } from './video/router.js';
import { VeoAdapter } from './video/veo.js';

export interface Runtime {
  config: Config;
  operations: Operations;
  store: OperationStore & UsageLedger;
  blobs: BlobStore;
  queue: PollQueue;
  completions: CompletionSink;
  /** Serves signed local blob links; undefined when blobs live in GCS. */
  localBlobs?: LocalBlobStore;
  /** Where generations run: "simulator" when the Veo endpoint is a simulator, else the wire API. */
  backendLabel: Backend;
  clock: Clock;
  /** Who callers are (auth/principal.ts), built once per instance: its key cache and Google's keys live here. */
  auth: Authenticator;
  /** API-key records (AUTH_MODE=api_key): Firestore with STORE=firestore, else this process's memory. */
  apiKeys: ApiKeyStore;
  /** The Veo endpoint in use (undefined: Google's default for the API). */
  veoBaseUrl?: string;
  /** Rules for outbound requests to caller-chosen URLs (net/egress.ts); tests add a resolver and a CA. */
  egress: EgressOptions;
  close(): Promise<void>;
}

/** `clock`: tests pass a manual clock; everything that waits or reads the time uses it. */
export async function createRuntime(
  config: Config,
  options: { clock?: Clock; egress?: EgressOptions } = {},
): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const egress: EgressOptions = { testHosts: config.egressTestHosts, ...options.egress };
  setLogLevel(config.logLevel);
  const closers: Array<() => Promise<void> | void> = [];
  let veoBaseUrl = config.veo.baseUrl;
  if (config.veo.backend === 'simulator' && !veoBaseUrl) {
    const { VeoSimulator } = await import('./simulator/server.js');
    const simulator = new VeoSimulator({
      delaySeconds: config.simulator.delaySeconds,
      submitsPerMinute: config.simulator.submitsPerMinute,
    });
    veoBaseUrl = await simulator.listen(0);
    closers.push(() => simulator.close());
  }

  const store = await createStore(config, closers);
  const apiKeys = await createApiKeyStore(config, closers);
  const { blobs, localBlobs } = await createBlobs(config, clock);
  const { queue, completions } = await createQueue(config, clock, closers, egress);
  // One adapter per model family the API serves: Veo only on Vertex AI; Omni on both (video/router.ts).
  const veo = new ModelRouter(config.veo.api, {
    ...(config.veo.api === 'vertex'
      ? {
          veo: new VeoAdapter({
            veo: config.veo,
            baseUrl: veoBaseUrl,
            noticeTopic: config.queue.veoNoticeTopic,
          }),
        }
      : {}),
    omni: new OmniAdapter({
      api: config.veo.api,
      // The embedded simulator checks that a key is sent, not which.
      apiKey: config.veo.apiKey ?? (config.veo.backend === 'simulator' ? 'simulator-key' : undefined),
      project: config.veo.project,
      location: config.veo.omniLocation,
      baseUrl: veoBaseUrl,
      timeoutMs: config.veo.timeoutMs,
      useGoogleCredentials: config.veo.useGoogleCredentials,
    }),
  });
  const operations = new Operations({
    store,
    // The store keeps the usage counters too, so a start's reservation shares the transaction of its record.
    ledger: store,
    blobs,
    queue,
    veo,
    completions,
    settings: {
      poll: config.poll,
      operationDeadlineSeconds: config.veo.operationDeadlineSeconds,
      retentionDays: config.retentionDays,
      outputPrefix: config.outputPrefix,
      submitGraceSeconds: Math.ceil(config.veo.timeoutMs / 1000) + 30,
      sweepGraceSeconds: config.queue.sweepGraceSeconds,
      signedUrlTtlSeconds: config.blobs.signedUrlTtlSeconds,
      limits: config.limits,
      admission: config.admission,
    },
    clock,
  });
  if (queue instanceof InProcessPollQueue) {
    // In-process poller: the same domain call the Pub/Sub `poller` function makes in the cloud.
    queue.subscribe(async (message) => {
      try {
        await operations.poll(message.operationId, message.scheduledFor);
      } catch (err) {
        log.error('Poll failed', { operationId: message.operationId, ...errorFields(err) });
        throw err;
      }
    });
  }

  return {
    config,
    operations,
    store,
    blobs,
    queue,
    completions,
    localBlobs,
    backendLabel: config.veo.backend === 'simulator' ? 'simulator' : config.veo.api,
    veoBaseUrl,
    egress,
    clock,
    auth: createAuthenticator(config, { apiKeys, clock }),
    apiKeys,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

async function createStore(
  config: Config,
  closers: Array<() => Promise<void> | void>,
): Promise<OperationStore & UsageLedger> {
  if (config.store.kind === 'memory') return new MemoryOperationStore();
  const { sdk, db } = await createFirestore(config);
  const { FirestoreOperationStore } = await import('./store/firestore.js');
  closers.push(() => db.terminate());
  return new FirestoreOperationStore(sdk, db, {
    collection: config.store.collection,
    idempotencyCollection: config.store.idempotencyCollection,
    usageCollection: config.store.usageCollection,
  });
}

/**
 * The API-key store: Firestore for AUTH_MODE=api_key with STORE=firestore, on its own client so the operation
 * store's construction stays as it is (one more gRPC channel, in that mode only); else this process's memory.
 */
async function createApiKeyStore(
  config: Config,
  closers: Array<() => Promise<void> | void>,
): Promise<ApiKeyStore> {
  if (config.store.kind !== 'firestore' || config.auth.mode !== 'api_key') return new MemoryApiKeyStore();
  const { db } = await createFirestore(config);
  const { FirestoreApiKeyStore } = await import('./store/api-keys-firestore.js');
  closers.push(() => db.terminate());
  return new FirestoreApiKeyStore(db, config.store.apiKeysCollection);
}

async function createBlobs(
  config: Config,
  clock: Clock,
): Promise<{ blobs: BlobStore; localBlobs?: LocalBlobStore }> {
  if (config.blobs.kind === 'local') {
    const localBlobs = new LocalBlobStore({
      dir: config.blobs.dir,
      publicBaseUrl: config.publicBaseUrl,
      signingKey: config.blobs.signingKey,
      clock,
    });
    return { blobs: localBlobs, localBlobs };
  }
  const { GcsBlobStore } = await import('./blobs/gcs.js');
  return { blobs: new GcsBlobStore(await createStorage(config), config.blobs.bucket!) };
}

/** Webhooks are signed with WEBHOOK_SIGNING_SECRET and sent under the egress rules (EGRESS_TEST_HOSTS locally). */
function webhookDelivery(config: Config, clock: Clock, egress: EgressOptions): WebhookDelivery | undefined {
  const secret = config.pipelines.webhookSecret;
  if (!secret) return undefined;
  return (url, event) => deliverWebhook(url, event, { secret, egress, clock });
}

async function createQueue(
  config: Config,
  clock: Clock,
  closers: Array<() => Promise<void> | void>,
  egress: EgressOptions,
): Promise<{ queue: PollQueue; completions: CompletionSink }> {
  if (config.queue.kind === 'inprocess') {
    const queue = new InProcessPollQueue(clock);
    closers.push(() => queue.close());
    return { queue, completions: new InProcessCompletionSink(webhookDelivery(config, clock, egress)) };
  }
  const { PubSubCompletionSink, PubSubPollQueue } = await import('./queue/pubsub.js');
  const pubsub = await createPubSub(config);
  closers.push(() => pubsub.close());
  return {
    queue: new PubSubPollQueue(pubsub, config.queue.pollTopic, clock),
    completions: new PubSubCompletionSink(
      pubsub,
      config.pipelines.completionsTopic,
      webhookDelivery(config, clock, egress),
    ),
  };
}
