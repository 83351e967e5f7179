// The event-driven pipelines on the emulators, wired as deployed: the requests topic pushes to the `requests`
// function, the poll topic to the `poller`, and completion events leave on the completions topic (pulled here).
// Shared by the exactly-once test (test/emulator/pipelines.test.ts, a few requests) and `npm run bench` (a hundred).
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { loadConfig } from '../../functions/src/config/index.js';
import type { Clock } from '../../functions/src/operations/clock.js';
import type { CompletionEvent } from '../../functions/src/queue/completion-event.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { createRequestsHandler, type RequestOutcome } from '../../functions/src/requests/handler.js';
import { createRuntime, type Runtime } from '../../functions/src/runtime.js';
import { gcsWriter } from '../../functions/src/simulator/gcp-hooks.js';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { cloudSettings, uniqueNames, type Emulators } from './emulators.js';

export const PIPELINE_PRINCIPAL = 'pipeline:catalog';

export interface Pipelines {
  simulator: VeoSimulator;
  runtime: Runtime;
  /** Events received on the completions topic, in arrival order (completions and rejections). */
  events: CompletionEvent[];
  /** Deliveries the requests function has handled, by outcome (`thrown`: it threw, so Pub/Sub redelivers). */
  deliveries: Record<RequestOutcome | 'total' | 'thrown', number>;
  /** `operation.completed` events the runtime has published (counted at the sink, before Pub/Sub). */
  completionPublishes(): number;
  /** Publishes one request message (an object as JSON, or raw text). */
  publishRequest(body: object | string): Promise<string>;
  /** Re-checks every pending `until` now: for tests that watch something of their own (a store call, a gate). */
  notify(): void;
  /** Resolves once `done()` holds, re-checked on every event and delivery; rejects after `timeoutMs` saying `what`. */
  until(what: string, done: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface PipelinesOptions {
  bucket: string;
  /** The simulator's per-minute quota per model (unset: none). */
  submitsPerMinute?: number;
  /** Settings added to (or overriding) the functions' environment, e.g. VEO_SUBMITS_PER_MINUTE. */
  env?: Record<string, string>;
  /** One time for the functions and the simulator (unset: the system clock): a test can skip ahead on it. */
  clock?: Clock;
}

export async function startPipelines(emulators: Emulators, options: PipelinesOptions): Promise<Pipelines> {
  const name = uniqueNames('pl');
  const simulator = new VeoSimulator({
    delaySeconds: 0.3,
    writeObject: await gcsWriter(),
    submitsPerMinute: options.submitsPerMinute,
    ...(options.clock ? { now: () => options.clock!.now().getTime() } : {}),
  });
  const simulatorUrl = await simulator.listen(0);
  const pubsub = new PubSub({ projectId: emulators.projectId });
  const settings = cloudSettings(emulators, { bucket: options.bucket, name, veoBaseUrl: simulatorUrl });
  const topics = {
    poll: settings.POLL_TOPIC!,
    requests: name('requests'),
    completions: settings.COMPLETIONS_TOPIC!,
  };
  const runtime = await createRuntime(
    loadConfig({
      ...settings,
      REQUESTS_TOPIC: topics.requests,
      PIPELINE_PRINCIPALS: `${topics.requests}=${PIPELINE_PRINCIPAL}`,
      POLL_INITIAL_DELAY_SECONDS: '0.2',
      POLL_INTERVAL_SECONDS: '0.2',
      POLL_MAX_INTERVAL_SECONDS: '1',
      POLL_HANDLER_MAX_WAIT_SECONDS: '5',
      ...options.env,
    }),
    { clock: options.clock },
  );

  const events: CompletionEvent[] = [];
  const deliveries = { started: 0, duplicate: 0, rejected: 0, failed: 0, total: 0, thrown: 0 };
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  let completionPublishes = 0;
  const completed = runtime.completions.completed.bind(runtime.completions);
  runtime.completions.completed = async (record, videos) => {
    completionPublishes++;
    await completed(record, videos);
  };

  const servers: Server[] = [];
  /** Deliveries being handled: close() lets them finish (a poller holding an early message republishes it). */
  const handling = new Set<Promise<unknown>>();
  async function serve(target: string, handler: (event: CloudEvent<PubSubMessageData>) => Promise<unknown>) {
    cloudEvent<PubSubMessageData>(target, async (event: CloudEvent<PubSubMessageData>) => {
      const handled = handler(event);
      handling.add(handled);
      try {
        await handled;
      } finally {
        handling.delete(handled);
      }
    });
    const server = getTestServer(target);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }
  const poll = createPollerHandler(async () => runtime);
  const handle = createRequestsHandler(async () => runtime);
  const pollerPort = await serve(name('poller'), poll);
  const requestsPort = await serve(name('requests-function'), async (event) => {
    let outcome: RequestOutcome;
    try {
      outcome = await handle(event);
    } catch (err) {
      deliveries.thrown++;
      changed();
      throw err;
    }
    deliveries[outcome]++;
    deliveries.total++;
    changed();
  });
  /** A topic whose messages Pub/Sub pushes to a local function, naming the topic in the path as Cloud Pub/Sub does. */
  const pushSubscriptions: Subscription[] = [];
  const pushTopic = async (topic: string, port: number) => {
    const [created] = await pubsub.createTopic(topic);
    const [subscription] = await created.createSubscription(`${topic}-push`, {
      pushEndpoint: `http://127.0.0.1:${port}/projects/${emulators.projectId}/topics/${topic}`,
      ackDeadlineSeconds: 60,
    });
    pushSubscriptions.push(subscription);
    return created;
  };
  await pushTopic(topics.poll, pollerPort);
  const requestsTopic = await pushTopic(topics.requests, requestsPort);
  const [completionsTopic] = await pubsub.createTopic(topics.completions);
  const [completionsSub] = await completionsTopic.createSubscription(name('completions-pull'));
  completionsSub.on('message', (message: Message) => {
    message.ack();
    const event = JSON.parse(message.data.toString('utf8')) as CompletionEvent;
    // The attributes let subscribers filter without parsing: they must match the body.
    assert.equal(message.attributes['event_id'], event.event_id);
    assert.equal(message.attributes['status'], event.status);
    for (const [key, value] of Object.entries(event.correlation))
      assert.equal(message.attributes[key], value);
    events.push(event);
    changed();
  });

  return {
    simulator,
    runtime,
    events,
    deliveries,
    completionPublishes: () => completionPublishes,
    notify: changed,
    publishRequest: (body) =>
      requestsTopic.publishMessage({
        data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      }),
    until(what, done, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `Timed out after ${timeoutMs} ms waiting for ${what}: ${events.length} events, deliveries ${JSON.stringify(deliveries)}`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async close() {
      // No deliveries to closed functions for the rest of the run: the emulators are shared.
      await Promise.all(pushSubscriptions.map((subscription) => subscription.delete()));
      await Promise.allSettled([...handling]);
      await completionsSub.close();
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
      await runtime.close();
      await pubsub.close();
      await simulator.close();
    },
  };
}

/** A catalog request as a pipeline publishes it. */
export const catalogRequest = (i: number) => ({
  request_id: `catalog-item-${i}`,
  prompt: `Product turntable ${i}`,
  duration_seconds: 4,
  aspect_ratio: i % 2 ? '9:16' : '16:9',
  correlation: { sku: `SKU-${i}`, batch: 'nightly-42' },
});

export interface CatalogRun {
  requests: number;
  /** Messages published: each request 1-5 times at once, then a fifth of them once more after they finished. */
  published: number;
  /** Veo submissions this run made. */
  submits: number;
  /** `operation.completed` events of this run, as received. */
  completed: CompletionEvent[];
  /** `operation.completed` events published by the runtime during this run. */
  completionPublishes: number;
  started: number;
  duplicate: number;
  /** First publish until every request's completion event arrived, and until every delivery was handled (ms). */
  completedMs: number;
  deliveredMs: number;
}

/**
 * Publishes `requests` catalog requests, request i (1 + i % 5) times at once, waits for a completion event for each,
 * then delivers every fifth request once more (late duplicates) and waits until every delivery was handled.
 */
export async function runCatalog(pipelines: Pipelines, requests: number): Promise<CatalogRun> {
  const { simulator, events, deliveries } = pipelines;
  const before = {
    submits: simulator.stats.submits,
    events: events.length,
    publishes: pipelines.completionPublishes(),
    started: deliveries.started,
    duplicate: deliveries.duplicate,
    total: deliveries.total,
  };
  const completedIds = () =>
    new Set(
      events
        .slice(before.events)
        .filter((e) => e.type === 'operation.completed')
        .map((e) => e.event_id),
    );
  const t0 = performance.now();
  let published = 0;
  await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const copies = 1 + (i % 5);
      published += copies;
      await Promise.all(Array.from({ length: copies }, () => pipelines.publishRequest(catalogRequest(i))));
    }),
  );
  await pipelines.until(
    `${requests} completion events`,
    () => completedIds().size >= requests,
    30_000 + requests * 600,
  );
  const completedMs = performance.now() - t0;
  const late = Array.from({ length: Math.ceil(requests / 5) }, (_, k) => catalogRequest(k * 5));
  await Promise.all(late.map((request) => pipelines.publishRequest(request)));
  published += late.length;
  await pipelines.until(`${published} deliveries`, () => deliveries.total - before.total >= published);
  return {
    requests,
    published,
    submits: simulator.stats.submits - before.submits,
    completed: events.slice(before.events).filter((e) => e.type === 'operation.completed'),
    completionPublishes: pipelines.completionPublishes() - before.publishes,
    started: deliveries.started - before.started,
    duplicate: deliveries.duplicate - before.duplicate,
    completedMs,
    deliveredMs: performance.now() - t0,
  };
}
