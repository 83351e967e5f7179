// The serverless shape, end to end, as separate processes on the real emulators: an MCP client calls generate_video
// on one `mcp` process (the deployed entry under functions-framework's CLI); a Pub/Sub push subscription delivers
// polls to a separately started `poller` process; another `mcp` instance (served in this process by functions-framework,
// with its own runtime: a third process would only add its start-up) answers get_video_operation with a V4 signed URL
// that downloads the MP4 from storage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { gcsWriter, pubsubNotifier } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import {
  cloudSettings,
  emulatorSkip,
  uniqueNames,
  useEmulators,
  type Emulators,
} from '../helpers/emulators.js';
import { readMp4 } from '../helpers/mp4.js';
import { freePort, startProcess, type RunningProcess } from '../helpers/process.js';
import { awaitFinalStatus } from '../helpers/firestore.js';
import { builtForThisRun } from '../helpers/run-setup.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FF_MAIN = 'node_modules/@google-cloud/functions-framework/build/src/main.js';
const BUCKET = 'veo-flow-test';
const name = uniqueNames('flow');

describe('full flow across processes on the emulators', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let notifier: Awaited<ReturnType<typeof pubsubNotifier>>;
  let simulatorUrl: string;

  before(async () => {
    await builtForThisRun('bundle'); // The functions run from the deployed entry.
    emulators = await useEmulators();
    notifier = await pubsubNotifier();
    simulator = new VeoSimulator({ delaySeconds: 0.5, writeObject: await gcsWriter(), notify: notifier });
    simulatorUrl = await simulator.listen(0);
  });
  after(async () => {
    await simulator?.close();
    await notifier?.close();
    await emulators?.stop();
  });

  {
    const backend = 'vertex' as const;
    test(`${backend}: generate on one mcp process, poll in the poller process, fetch from another mcp instance`, async () => {
      const [mcpA, pollerPort] = [await freePort(), await freePort()];
      const env: Record<string, string> = {
        ...cloudSettings(emulators, { bucket: BUCKET, name, veoBaseUrl: simulatorUrl }),
        VEO_BACKEND: backend,
        POLL_INITIAL_DELAY_SECONDS: '0.25',
        POLL_INTERVAL_SECONDS: '0.25',
        POLL_MAX_INTERVAL_SECONDS: '1',
        LOG_LEVEL: 'warn',
      };
      const topic = env.POLL_TOPIC!;
      const pubsub = new PubSub({ projectId: emulators.projectId });
      const [createdTopic] = await pubsub.createTopic(topic);
      await pubsub.createTopic(env.COMPLETIONS_TOPIC!);
      const [notices] = await pubsub.createTopic(`${topic}-notices`);
      const [noticesPush] = await notices.createSubscription(`${topic}-notices-push`, {
        pushEndpoint: `http://127.0.0.1:${pollerPort}/projects/${emulators.projectId}/topics/${topic}-notices`,
        ackDeadlineSeconds: 60,
      });
      const [pollPush] = await createdTopic.createSubscription(`${topic}-push`, {
        pushEndpoint: `http://127.0.0.1:${pollerPort}/projects/${emulators.projectId}/topics/${topic}`,
        ackDeadlineSeconds: 60,
      });

      const processes: RunningProcess[] = [];
      let other: TestServer | undefined;
      const client = new Client({ name: 'full-flow', version: '1.0.0' });
      const otherClient = new Client({ name: 'full-flow-2', version: '1.0.0' });
      const db = new Firestore({ projectId: emulators.projectId });
      try {
        // Started at once; all are kept (and stopped below) even when one fails to start.
        const launched = await Promise.allSettled(
          (
            [
              [['--target=mcp'], mcpA],
              [['--target=poller', '--signature-type=cloudevent'], pollerPort],
            ] as const
          ).map(([args, port]) =>
            startProcess(
              process.execPath,
              [FF_MAIN, ...args, `--port=${port}`],
              { ...env, PORT: String(port) },
              /Serving function/,
            ),
          ),
        );
        for (const result of launched) if (result.status === 'fulfilled') processes.push(result.value);
        const failed = launched.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcpA}/mcp`)));
        const started = (await client.callTool({
          name: 'generate_video',
          arguments: {
            prompt: 'A kite over dunes',
            aspect_ratio: '9:16',
            duration_seconds: 6,
            idempotency_key: `flow-${backend}`,
          },
        })) as CallToolResult;
        assert.equal(started.isError, undefined, JSON.stringify(started.content));
        const id = (started.structuredContent as { operation_id: string }).operation_id;

        const status = await awaitFinalStatus(db.collection(env.FIRESTORE_COLLECTION!).doc(id));
        assert.equal(status, 'SUCCEEDED');

        other = await startTestServer({ env });
        await otherClient.connect(new StreamableHTTPClientTransport(new URL(other.mcpUrl)));
        const result = (await otherClient.callTool({
          name: 'get_video_operation',
          arguments: { operation_id: id },
        })) as CallToolResult;
        const view = result.structuredContent as {
          status: string;
          videos: Array<{ url: string; uri: string; bytes: number }>;
        };
        assert.equal(view.status, 'SUCCEEDED', JSON.stringify(result.content));
        const [video] = view.videos;
        assert.match(video!.uri, new RegExp(`^gs://${BUCKET}/videos/${id}/`));
        if (backend === 'vertex')
          assert.match(video!.uri, /\/sample_0\.mp4$/, 'Veo wrote it to outputGcsUri itself');
        else assert.match(video!.uri, /\/video-0\.mp4$/, 'the poller streamed it into the same layout');
        assert.match(
          video!.url,
          new RegExp(
            `^${emulators.env.STORAGE_EMULATOR_HOST}/${BUCKET}/videos/${id}/.*X-Goog-Algorithm=GOOG4-RSA-SHA256.*X-Goog-Signature=[0-9a-f]+`,
          ),
        );
        const link = result.content.find((c) => c.type === 'resource_link') as {
          uri: string;
          mimeType: string;
        };
        assert.equal(link.uri, video!.url);
        const download = await fetch(video!.url);
        assert.equal(download.status, 200);
        const bytes = Buffer.from(await download.arrayBuffer());
        assert.equal(bytes.length, video!.bytes);
        const mp4 = readMp4(bytes);
        assert.equal(mp4.durationSeconds, 6);
        assert.ok(mp4.height > mp4.width);
      } finally {
        await client.close();
        await otherClient.close();
        await other?.close();
        // No deliveries to stopped processes for the rest of the run: the emulators are shared.
        await Promise.all([noticesPush.delete(), pollPush.delete()]);
        await Promise.all(processes.map((p) => p.stop()));
        await db.terminate();
        await pubsub.close();
      }
    });
  }
});
