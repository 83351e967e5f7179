// In-process PollQueue for `npm start` and tests: delayed delivery with timers, to a handler in the same process.
// Like Pub/Sub, a handler that throws gets the message again later (with backoff); nothing survives a restart.
import { EventEmitter } from 'node:events';
import { errorFields, log } from '../log.js';
import type { CompletionEvent, CompletionSink, PollMessage, PollQueue } from '../operations/ports.js';

export type PollHandler = (message: PollMessage) => Promise<void>;

const REDELIVERY_SECONDS = [1, 2, 5, 10, 30];

export class InProcessPollQueue implements PollQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private handler: PollHandler | undefined;
  private closed = false;

  subscribe(handler: PollHandler): void {
    this.handler = handler;
  }

  async enqueue(message: PollMessage, delaySeconds: number): Promise<void> {
    this.deliverLater({ ...message }, delaySeconds, 0);
  }

  /** Cancels pending deliveries (tests, shutdown). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private deliverLater(message: PollMessage, delaySeconds: number, attempt: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(message, attempt);
    }, delaySeconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async deliver(message: PollMessage, attempt: number): Promise<void> {
    if (!this.handler || this.closed) return;
    try {
      await this.handler(message);
    } catch (err) {
      const delay = REDELIVERY_SECONDS[Math.min(attempt, REDELIVERY_SECONDS.length - 1)]!;
      log.warn('Poll handler failed; redelivering', { ...message, attempt, delay, ...errorFields(err) });
      this.deliverLater(message, delay, attempt + 1);
    }
  }
}

/** In-process completion events: listeners in the same process (the CLI and tests), plus webhooks. */
export class InProcessCompletionSink implements CompletionSink {
  readonly events = new EventEmitter();

  constructor(private readonly webhook?: (url: string, event: CompletionEvent) => Promise<unknown>) {}

  async publish(event: CompletionEvent, options: { webhookUrl?: string } = {}): Promise<void> {
    this.events.emit('completion', event);
    if (options.webhookUrl && this.webhook) await this.webhook(options.webhookUrl, event);
  }
}
