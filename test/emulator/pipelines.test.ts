// Event-driven pipelines on the emulators: requests arrive on the requests topic (pushed to the `requests` function),
// polls on the poll topic (pushed to the `poller`), and completion events leave on the completions topic.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { loadConfig } from '../../functions/src/config/index.js';
import type { CompletionEvent } from '../../functions/src/queue/completion-event.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { createRequestsHandler } from '../../functions/src/requests/handler.js';
import { createRuntime, type Runtime } from '../../functions/src/runtime.js';
import { gcsWriter } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { emulatorSkip, startEmulators, type Emulators } from '../helpers/emulators.js';

describe('pipelines: requests topic in, completions topic out', { skip: emulatorSkip }, () => {
  let emulators: Emulators;
  let simulator: VeoSimulator;
  let pubsub: PubSub;
  let runtime: Runtime;
  const servers: Server[] = [];
  let requestsTopic: ReturnType<PubSub['topic']>;
  let completionsSub: Subscription;
  const events: CompletionEvent[] = [];
  const eventListeners = new Set<() => void>();
  /** Deliveries handled by the requests function, by outcome. */
  const deliveries = { started: 0, duplicate: 0, rejected: 0, failed: 0, total: 0 };
  const deliveryListeners = new Set<() => void>();
  let completionPublishes = 0;

  const waitFor = (listeners: Set<() => void>, done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
    });

  async function serve(name: string, handler: (event: CloudEvent<PubSubMessageData>) => Promise<unknown>) {
    cloudEvent<PubSubMessageData>(name, async (event: CloudEvent<PubSubMessageData>) => {
      await handler(event);
    });
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  before(async () => {
    emulators = await startEmulators();
    simulator = new VeoSimulator({ delaySeconds: 1, writeObject: await gcsWriter() });
    const simulatorUrl = await simulator.listen(0);
    pubsub = new PubSub({ projectId: emulators.projectId });
    runtime = await createRuntime(
      loadConfig({
        ...emulators.env,
        STORE: 'firestore',
        QUEUE: 'pubsub',
        BLOBS: 'gcs',
        OUTPUT_BUCKET: 'veo-pipelines',
        POLL_TOPIC: 'pl-poll',
        COMPLETIONS_TOPIC: 'pl-completions',
        REQUESTS_TOPIC: 'pl-requests',
        PIPELINE_PRINCIPALS: 'pl-requests=pipeline:catalog',
        VEO_BACKEND: 'vertex',
        VEO_BASE_URL: simulatorUrl,
        POLL_INITIAL_DELAY_SECONDS: '1',
        POLL_INTERVAL_SECONDS: '1',
        POLL_MAX_INTERVAL_SECONDS: '2',
        POLL_HANDLER_MAX_WAIT_SECONDS: '5',
        LOG_LEVEL: 'error',
      }),
    );
    const completed = runtime.completions.completed.bind(runtime.completions);
    runtime.completions.completed = async (record, videos) => {
      completionPublishes++;
      await completed(record, videos);
    };
    const poll = createPollerHandler(async () => runtime);
    const handle = createRequestsHandler(async () => runtime);
    const pollerPort = await serve('pl-poller', poll);
    const requestsPort = await serve('pl-requests', async (event) => {
      const outcome = await handle(event);
      deliveries[outcome]++;
      deliveries.total++;
      for (const listener of deliveryListeners) listener();
    });
    const project = emulators.projectId;
    const [pollTopic] = await pubsub.createTopic('pl-poll');
    await pollTopic.createSubscription('pl-poll-push', {
      pushEndpoint: `http://127.0.0.1:${pollerPort}/projects/${project}/topics/pl-poll`,
      ackDeadlineSeconds: 60,
    });
    [requestsTopic] = await pubsub.createTopic('pl-requests');
    await requestsTopic.createSubscription('pl-requests-push', {
      pushEndpoint: `http://127.0.0.1:${requestsPort}/projects/${project}/topics/pl-requests`,
      ackDeadlineSeconds: 60,
    });
    const [completionsTopic] = await pubsub.createTopic('pl-completions');
    [completionsSub] = await completionsTopic.createSubscription('pl-completions-pull');
    completionsSub.on('message', (message: Message) => {
      message.ack();
      const event = JSON.parse(message.data.toString('utf8')) as CompletionEvent;
      assert.equal(message.attributes['event_id'], event.event_id);
      assert.equal(message.attributes['status'], event.status);
      for (const [key, value] of Object.entries(event.correlation))
        assert.equal(message.attributes[key], value);
      events.push(event);
      for (const listener of eventListeners) listener();
    });
  });

  after(async () => {
    await completionsSub?.close();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await runtime?.close();
    await pubsub?.close();
    await simulator?.close();
    await emulators?.stop();
  });

  const publishRequest = (body: object | string) =>
    requestsTopic.publishMessage({
      data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    });

  test('100 requests delivered 1-5 times each start exactly 100 Veo jobs and 100 completion events', async () => {
    const submitsBefore = simulator.stats.submits;
    const request = (i: number) => ({
      request_id: `catalog-item-${i}`,
      prompt: `Product turntable ${i}`,
      duration_seconds: 4,
      aspect_ratio: i % 2 ? '9:16' : '16:9',
      correlation: { sku: `SKU-${i}`, batch: 'nightly-42' },
    });
    let published = 0;
    // Every request 1-5 times; the copies of each request are published concurrently.
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const copies = 1 + (i % 5);
        published += copies;
        await Promise.all(Array.from({ length: copies }, () => publishRequest(request(i))));
      }),
    );
    await waitFor(eventListeners, () => new Set(events.map((e) => e.event_id)).size >= 100);
    // Late deliveries: a fifth of the requests arrive again after their video is done.
    await Promise.all(Array.from({ length: 20 }, (_, k) => publishRequest(request(k * 5))));
    published += 20;
    await waitFor(deliveryListeners, () => deliveries.total >= published);

    assert.equal(simulator.stats.submits - submitsBefore, 100, 'exactly 100 Veo submissions');
    assert.equal(deliveries.started, 100);
    assert.equal(deliveries.duplicate, published - 100);
    assert.equal(completionPublishes, 100, 'exactly 100 completion events published');
    const completed = events.filter((e) => e.type === 'operation.completed');
    assert.equal(completed.length, 100);
    assert.equal(new Set(completed.map((e) => e.request_id)).size, 100);
    for (const event of completed) {
      const i = Number(event.request_id!.replace('catalog-item-', ''));
      assert.equal(event.status, 'SUCCEEDED');
      assert.deepEqual(event.correlation, { sku: `SKU-${i}`, batch: 'nightly-42' });
      assert.equal(event.videos.length, 1);
      assert.match(event.videos[0]!.uri, /^gs:\/\/veo-pipelines\/videos\//);
      assert.match(event.videos[0]!.url, /X-Goog-Signature=/);
      const record = await runtime.operations.get('pipeline:catalog', event.operation_id!);
      assert.equal(record.idempotencyKey, event.request_id);
    }
  });

  test('an invalid message is recorded with its reason, never retried, and never reaches Veo', async () => {
    const submits = simulator.stats.submits;
    const rejectedBefore = deliveries.rejected;
    const totalBefore = deliveries.total;
    const eventsBefore = events.length;
    await publishRequest('{"request_id": "broken", ');
    await publishRequest({ prompt: 'no request id' });
    await publishRequest({
      request_id: 'bad-model',
      prompt: 'x',
      model: 'veo-99',
      correlation: { sku: 'SKU-X' },
    });
    await waitFor(eventListeners, () => events.length >= eventsBefore + 3);
    // The handler publishes each rejection before it returns, and the counter moves when it returns: wait for both.
    await waitFor(deliveryListeners, () => deliveries.total >= totalBefore + 3);
    const rejected = events.slice(eventsBefore);
    assert.ok(rejected.every((e) => e.type === 'request.rejected' && e.status === 'REJECTED'));
    const reasons = rejected.map((e) => e.error!.message).join('\n');
    assert.match(reasons, /not valid JSON/);
    assert.match(reasons, /request_id: /);
    assert.match(reasons, /Invalid model: "veo-99"/);
    assert.deepEqual(rejected.find((e) => e.request_id === 'bad-model')!.correlation, { sku: 'SKU-X' });
    assert.equal(deliveries.rejected - rejectedBefore, 3);
    assert.equal(deliveries.total - totalBefore, 3, 'each delivered once: acknowledged, not retried');
    assert.equal(simulator.stats.submits, submits, 'Veo was never called');
  });
});
