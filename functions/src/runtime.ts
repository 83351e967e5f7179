// The composition root: builds one set of adapters per instance from Config and wires them into the domain.
// Heavy clients are created lazily by their adapters; nothing here does network I/O except an embedded simulator.
import { LocalBlobStore } from './blobs/local.js';
import type { Config } from './config/index.js';
import { errorFields, log, setLogLevel } from './log.js';
import { Operations } from './operations/service.js';
import { InProcessPollQueue } from './queue/inprocess.js';
import { VeoSimulator } from './simulator/server.js';
import { MemoryOperationStore } from './store/memory.js';
import { VeoAdapter } from './veo/adapter.js';

export interface Runtime {
  config: Config;
  operations: Operations;
  blobs: LocalBlobStore;
  /** What results call the backend: "simulator" when the Veo endpoint is a simulator, else the wire API. */
  backendLabel: 'simulator' | 'gemini' | 'vertex';
  /** The Veo endpoint in use (undefined: Google's default for the API). */
  veoBaseUrl?: string;
  close(): Promise<void>;
}

export async function createRuntime(config: Config): Promise<Runtime> {
  setLogLevel(config.logLevel);
  let simulator: VeoSimulator | undefined;
  let veoBaseUrl = config.veo.baseUrl;
  if (config.veo.backend === 'simulator' && !veoBaseUrl) {
    simulator = new VeoSimulator({ delaySeconds: config.simulator.delaySeconds });
    veoBaseUrl = await simulator.listen(0);
  }

  const store = new MemoryOperationStore();
  const blobs = new LocalBlobStore({
    dir: config.blobs.dir,
    publicBaseUrl: config.publicBaseUrl,
    signingKey: config.blobs.signingKey,
  });
  const queue = new InProcessPollQueue();
  const veo = new VeoAdapter({ veo: config.veo, baseUrl: veoBaseUrl });
  const operations = new Operations({
    store,
    blobs,
    queue,
    veo,
    settings: {
      poll: config.poll,
      operationDeadlineSeconds: config.veo.operationDeadlineSeconds,
      retentionDays: config.retentionDays,
      outputPrefix: config.outputPrefix,
    },
  });
  // In-process poller: the same handler the Pub/Sub `poller` function runs in the cloud.
  queue.subscribe(async (message) => {
    try {
      await operations.poll(message.operationId, { scheduledFor: message.scheduledFor });
    } catch (err) {
      log.error('Poll failed', { operationId: message.operationId, ...errorFields(err) });
      throw err;
    }
  });

  return {
    config,
    operations,
    blobs,
    backendLabel: config.veo.backend === 'simulator' ? 'simulator' : config.veo.api,
    veoBaseUrl,
    async close() {
      queue.close();
      await simulator?.close();
    },
  };
}
