// Pub/Sub PollQueue: a poll is a message on POLL_TOPIC. Pub/Sub has no delayed delivery, so the message carries
// `notBefore` and the poller holds an early message until then (bounded), which keeps one invocation per poll.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { systemClock, type Clock } from '../operations/clock.js';
import type { CompletionSink, PollMessage, PollQueue, Rejection, VideoLink } from '../operations/ports.js';
import type { OperationRecord } from '../operations/record.js';
import {
  completedEvent,
  rejectedEvent,
  type CompletionEvent,
  type WebhookDelivery,
} from './completion-event.js';

export const POLL_MESSAGE_TYPE = 'poll';
export const SWEEP_MESSAGE_TYPE = 'sweep';

export class PubSubPollQueue implements PollQueue {
  private readonly topic: Topic;
  private readonly clock: Clock;

  constructor(pubsub: PubSub, topicName: string, clock: Clock = systemClock) {
    this.clock = clock;
    this.topic = pubsub.topic(topicName, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
  }

  async enqueue(message: PollMessage, delaySeconds: number): Promise<void> {
    const notBefore = new Date(this.clock.now().getTime() + delaySeconds * 1000).toISOString();
    await this.topic.publishMessage({
      json: { ...message, notBefore },
      attributes: { type: POLL_MESSAGE_TYPE, operationId: message.operationId },
    });
  }
}

const RESERVED_ATTRIBUTES = new Set(['event_id', 'type', 'status', 'operation_id', 'request_id']);

/**
 * Completion events on COMPLETIONS_TOPIC: the event as JSON data; status, ids and the caller's correlation
 * attributes also as message attributes, so subscriptions can filter on them.
 */
export class PubSubCompletionSink implements CompletionSink {
  private readonly topic: Topic;
  private readonly webhook: WebhookDelivery | undefined;

  constructor(pubsub: PubSub, topicName: string, webhook?: WebhookDelivery) {
    this.webhook = webhook;
    this.topic = pubsub.topic(topicName, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
  }

  completed(record: OperationRecord, videos: VideoLink[]): Promise<void> {
    return this.publish(completedEvent(record, videos), record.webhookUrl);
  }

  rejected(rejection: Rejection): Promise<void> {
    return this.publish(rejectedEvent(rejection));
  }

  private async publish(event: CompletionEvent, webhookUrl?: string): Promise<void> {
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(event.correlation)) {
      if (!RESERVED_ATTRIBUTES.has(key)) attributes[key] = value;
    }
    Object.assign(attributes, {
      event_id: event.event_id,
      type: event.type,
      status: event.status,
      ...(event.operation_id ? { operation_id: event.operation_id } : {}),
      ...(event.request_id ? { request_id: event.request_id } : {}),
    });
    await this.topic.publishMessage({ json: event, attributes });
    if (webhookUrl && this.webhook) await this.webhook(webhookUrl, event);
  }
}
