// Google Cloud side effects of the simulator, as Veo on Vertex has them: writing videos to outputGcsUri, reading an
// extension's input video from gs://, and publishing the completion notice to pubsubTopic. The client libraries
// honour STORAGE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST, so this works against the emulators as against Google Cloud.
import type { SimulatorOptions } from './server.js';

export async function gcsWriter(projectId?: string): Promise<NonNullable<SimulatorOptions['writeObject']>> {
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({ projectId });
  return async (gcsUri, bytes, contentType) => {
    const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(gcsUri);
    if (!match) throw new Error(`Not a gs:// object URI: ${gcsUri}`);
    await storage.bucket(match[1]!).file(match[2]!).save(bytes, { contentType, resumable: false });
  };
}

/** Reads a gs:// object, as Veo reads an extension's input video named by gcsUri. */
export async function gcsReader(projectId?: string): Promise<NonNullable<SimulatorOptions['readObject']>> {
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({ projectId });
  return async (gcsUri) => {
    const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(gcsUri);
    if (!match) throw new Error(`Not a gs:// object URI: ${gcsUri}`);
    const [bytes] = await storage.bucket(match[1]!).file(match[2]!).download();
    return bytes;
  };
}

export async function pubsubNotifier(): Promise<
  NonNullable<SimulatorOptions['notify']> & { close(): Promise<void> }
> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const clients = new Map<string, InstanceType<typeof PubSub>>();
  const notify = async (topic: string, notice: { name: string; done: true }) => {
    const match = /^projects\/([^/]+)\/topics\/([^/]+)$/.exec(topic);
    if (!match) throw new Error(`pubsubTopic must be projects/PROJECT/topics/TOPIC, got ${topic}`);
    let client = clients.get(match[1]!);
    if (!client) clients.set(match[1]!, (client = new PubSub({ projectId: match[1]! })));
    await client.topic(match[2]!).publishMessage({ json: notice });
  };
  return Object.assign(notify, {
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  });
}
