// Measures the cloud shape on the emulators: for simulated generations of a given length, how many Veo polls,
// Firestore reads/writes and poller invocations each video costs, and how long after Veo finished the operation
// reached SUCCEEDED. Default poll timing (10 s initial, 10 s steady, 30 s max); Vertex also gets Veo's completion
// notice on the poll topic. Usage: npm run bench:flow -- [--seconds 60] [--videos 3]
// (`npm run bench` measures 60 s and 300 s generations on emulators it starts once for all its emulator runs.)
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { cloudEvent, http, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { loadConfig } from '../../functions/src/config/index.js';
import { createMcpHttpHandler } from '../../functions/src/mcp/http.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { createRuntime } from '../../functions/src/runtime.js';
import { gcsWriter, pubsubNotifier } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { cloudSettings, uniqueNames, useEmulators, type Emulators } from '../helpers/emulators.js';
import { countDocumentAccess } from './firestore-usage.js';

export interface FlowMetrics {
  backend: 'vertex';
  generationSeconds: number;
  videos: number;
  veoPollsPerVideo: number;
  firestoreReadsPerVideo: number;
  firestoreWritesPerVideo: number;
  pollerInvocationsPerVideo: number;
  /** Completion notices Veo (the simulator) published per video (vertex only). */
  noticesPerVideo: number;
  completionDelayMs: { p50: number; p95: number; max: number };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function measureCloudFlow(
  emulators: Emulators,
  generationSeconds: number,
  videos: number,
): Promise<FlowMetrics[]> {
  const name = uniqueNames(`bench-${generationSeconds}s`);
  const notifier = await pubsubNotifier();
  const pubsub = new PubSub({ projectId: emulators.projectId });
  const results: FlowMetrics[] = [];
  try {
    for (const backend of ['vertex'] as const) {
      const simulator = new VeoSimulator({
        delaySeconds: generationSeconds,
        writeObject: await gcsWriter(),
        notify: notifier,
      });
      const simulatorUrl = await simulator.listen(0);
      const settings = cloudSettings(emulators, { bucket: 'veo-bench', name, veoBaseUrl: simulatorUrl });
      const topic = settings.POLL_TOPIC!;
      const runtime = await createRuntime(loadConfig({ ...settings, VEO_BACKEND: backend }));
      let invocations = 0;
      const poll = createPollerHandler(async () => runtime);
      cloudEvent<PubSubMessageData>(
        name(`poller-${backend}`),
        async (event: CloudEvent<PubSubMessageData>) => {
          invocations++;
          await poll(event);
        },
      );
      http(
        name(`mcp-${backend}`),
        createMcpHttpHandler(async () => runtime),
      );
      const pollerServer = getTestServer(name(`poller-${backend}`)).listen(0, '127.0.0.1');
      const mcpServer = getTestServer(name(`mcp-${backend}`)).listen(0, '127.0.0.1');
      await Promise.all([pollerServer, mcpServer].map((s) => new Promise((r) => s.once('listening', r))));
      const [created] = await pubsub.createTopic(topic);
      await pubsub.createTopic(settings.COMPLETIONS_TOPIC!);
      // Vertex's completion notices arrive on their own topic and push subscription to the same poller.
      const [notices] = await pubsub.createTopic(`${topic}-notices`);
      const pollerPort = (pollerServer.address() as AddressInfo).port;
      const [subscription] = await created.createSubscription(`${topic}-push`, {
        pushEndpoint: `http://127.0.0.1:${pollerPort}/projects/${emulators.projectId}/topics/${topic}`,
        ackDeadlineSeconds: 120,
      });
      const [noticeSubscription] = await notices.createSubscription(`${topic}-notices-push`, {
        pushEndpoint: `http://127.0.0.1:${pollerPort}/projects/${emulators.projectId}/topics/${topic}-notices`,
        ackDeadlineSeconds: 120,
      });

      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(
          new URL(`http://127.0.0.1:${(mcpServer.address() as AddressInfo).port}/mcp`),
        ),
      );
      const access = countDocumentAccess(runtime.store);
      const finished = new Map<string, number>();
      let resolveAll = () => {};
      const allDone = new Promise<void>((resolve) => (resolveAll = resolve));
      // Every ending publishes one completion event: its publish marks the operation finished.
      const completed = runtime.completions.completed.bind(runtime.completions);
      runtime.completions.completed = async (record, links) => {
        await completed(record, links);
        finished.set(record.id, Date.now());
        if (finished.size === videos) resolveAll();
      };
      const ids: string[] = [];
      for (let i = 0; i < videos; i++) {
        const result = (await client.callTool({
          name: 'generate_video',
          arguments: {
            prompt: `bench video ${i}`,
            duration_seconds: 4,
            idempotency_key: `bench-${backend}-${i}`,
          },
        })) as CallToolResult;
        ids.push((result.structuredContent as { operation_id: string }).operation_id);
      }
      await allDone;
      const delays: number[] = [];
      for (const id of ids) {
        const record = await runtime.store.get(id);
        delays.push(finished.get(id)! - simulator.doneAt(record!.veoOperationName!)!);
      }
      results.push({
        backend,
        generationSeconds,
        videos,
        veoPollsPerVideo: simulator.stats.polls / videos,
        // Less the benchmark's own reads above (one record per video); late poller deliveries still count.
        firestoreReadsPerVideo: (access.reads - ids.length) / videos,
        firestoreWritesPerVideo: access.writes / videos,
        pollerInvocationsPerVideo: invocations / videos,
        noticesPerVideo: simulator.stats.notices / videos,
        completionDelayMs: {
          p50: percentile(delays, 50),
          p95: percentile(delays, 95),
          max: Math.max(...delays),
        },
      });
      await client.close();
      // Stop deliveries before closing the clients the poller uses.
      await subscription.delete();
      await noticeSubscription.delete();
      await runtime.close();
      await simulator.close();
      pollerServer.closeAllConnections();
      mcpServer.closeAllConnections();
      pollerServer.close();
      mcpServer.close();
    }
  } finally {
    await notifier.close();
    await pubsub.close();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, videos: { type: 'string', default: '3' } },
  });
  const emulators = await useEmulators();
  try {
    console.log(
      JSON.stringify(
        await measureCloudFlow(emulators, Number(values.seconds), Number(values.videos)),
        null,
        2,
      ),
    );
  } finally {
    await emulators.stop();
  }
  process.exit(0);
}
