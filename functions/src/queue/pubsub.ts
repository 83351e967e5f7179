// Pub/Sub PollQueue: a poll is a message on POLL_TOPIC. Pub/Sub has no delayed delivery, so the message carries
// `notBefore` and the poller holds an early message until then (bounded), which keeps one invocation per poll.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { PollMessage, PollQueue } from '../operations/ports.js';

export const POLL_MESSAGE_TYPE = 'poll';
export const SWEEP_MESSAGE_TYPE = 'sweep';

export class PubSubPollQueue implements PollQueue {
  private readonly topic: Topic;

  constructor(pubsub: PubSub, topicName: string) {
    this.topic = pubsub.topic(topicName, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
  }

  async enqueue(message: PollMessage, delaySeconds: number): Promise<void> {
    const notBefore = new Date(Date.now() + delaySeconds * 1000).toISOString();
    await this.topic.publishMessage({
      json: { ...message, notBefore },
      attributes: { type: POLL_MESSAGE_TYPE, operationId: message.operationId },
    });
  }
}
