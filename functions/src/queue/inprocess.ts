// In-process PollQueue for `npm start` and tests: delayed delivery on the clock, to a handler in the same process.
// Like Pub/Sub, a handler that throws gets the message again later (with backoff); nothing survives a restart.
import { errorFields, log } from '../log.js';
import { systemClock, type Clock } from '../operations/clock.js';
import type { CompletionSink, PollMessage, PollQueue, Rejection, VideoLink } from '../operations/ports.js';
import type { OperationRecord } from '../operations/record.js';
import {
  completedEvent,
  rejectedEvent,
  type CompletionEvent,
  type WebhookDelivery,
} from './completion-event.js';

export type PollHandler = (message: PollMessage) => Promise<void>;

const REDELIVERY_SECONDS = [1, 2, 5, 10, 30];

export class InProcessPollQueue implements PollQueue {
  private readonly stop = new AbortController();
  private handler: PollHandler | undefined;
  private readonly clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  subscribe(handler: PollHandler): void {
    this.handler = handler;
  }

  async enqueue(message: PollMessage, delaySeconds: number): Promise<void> {
    this.deliverLater({ ...message }, delaySeconds, 0);
  }

  /** Drops pending deliveries (tests, shutdown). */
  close(): void {
    this.stop.abort();
  }

  private deliverLater(message: PollMessage, delaySeconds: number, attempt: number): void {
    if (this.stop.signal.aborted) return;
    void this.clock.sleep(delaySeconds * 1000, this.stop.signal).then(() => this.deliver(message, attempt));
  }

  private async deliver(message: PollMessage, attempt: number): Promise<void> {
    if (!this.handler || this.stop.signal.aborted) return;
    try {
      await this.handler(message);
    } catch (err) {
      const delay = REDELIVERY_SECONDS[Math.min(attempt, REDELIVERY_SECONDS.length - 1)]!;
      log.warn('Poll handler failed; redelivering', { ...message, attempt, delay, ...errorFields(err) });
      this.deliverLater(message, delay, attempt + 1);
    }
  }
}

export type CompletionListener = (event: CompletionEvent) => void;

/**
 * In-process completion events, the local stand-in for the completions topic: subscribers in the same process
 * (the CLI, tests, a local pipeline) receive each event; webhooks are delivered as in the cloud.
 */
export class InProcessCompletionSink implements CompletionSink {
  private readonly listeners = new Set<CompletionListener>();
  private readonly webhook: WebhookDelivery | undefined;

  constructor(webhook?: WebhookDelivery) {
    this.webhook = webhook;
  }

  /** Receives every event from now on; returns the unsubscribe function. */
  subscribe(listener: CompletionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  completed(record: OperationRecord, videos: VideoLink[]): Promise<void> {
    return this.publish(completedEvent(record, videos), record.webhookUrl);
  }

  rejected(rejection: Rejection): Promise<void> {
    return this.publish(rejectedEvent(rejection));
  }

  private async publish(event: CompletionEvent, webhookUrl?: string): Promise<void> {
    for (const listener of this.listeners) listener(event);
    if (webhookUrl && this.webhook) await this.webhook(webhookUrl, event);
  }
}
