// Webhook delivery of completion events: POST the JSON event with an HMAC-SHA256 signature over "timestamp.body"
// (header Veo-Signature: t=UNIX,v1=HEX), retried with backoff, only to public HTTPS addresses (net/egress.ts:
// checked once, connected to the checked address, no redirects).
import { createHmac } from 'node:crypto';
import { errorFields, log } from '../log.js';
import { EgressError, egressFetch, type EgressOptions } from '../net/egress.js';
import { systemClock, type Clock } from '../operations/clock.js';
import type { CompletionEvent } from './completion-event.js';

export const SIGNATURE_HEADER = 'Veo-Signature';
const ATTEMPT_DELAYS_MS = [0, 1000, 3000];
const TIMEOUT_MS = 10_000;
// Receivers answer with a status; whatever body they add is read up to this and dropped.
const MAX_ANSWER_BYTES = 64 * 1024;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export interface WebhookOptions {
  secret: string;
  /** Resolver, TLS trust and local test hosts (EGRESS_TEST_HOSTS). */
  egress?: EgressOptions;
  /** Waits between attempts and stamps signatures. */
  clock?: Clock;
}

/** Delivers the event; gives up (logged) after the last attempt — the Pub/Sub event is the durable record. */
export async function deliverWebhook(
  url: string,
  event: CompletionEvent,
  options: WebhookOptions,
): Promise<boolean> {
  const clock = options.clock ?? systemClock;
  const body = JSON.stringify(event);
  for (const [attempt, wait] of ATTEMPT_DELAYS_MS.entries()) {
    await clock.sleep(wait);
    try {
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      // Checked on every attempt: the name is resolved again, and each answer is checked before connecting.
      const response = await egressFetch(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
          },
          body,
        },
        { maxBytes: MAX_ANSWER_BYTES, timeoutMs: TIMEOUT_MS, maxRedirects: 0 },
        options.egress,
      );
      if (response.status >= 200 && response.status < 300) return true;
      if (response.status < 500 && response.status !== 429) {
        log.warn('Webhook refused the event', { operationId: event.operation_id, status: response.status });
        return false;
      }
    } catch (err) {
      if (err instanceof EgressError && err.kind === 'refused') {
        log.warn('Webhook not delivered', { operationId: event.operation_id, reason: err.message });
        return false;
      }
      log.warn('Webhook delivery failed', { operationId: event.operation_id, attempt, ...errorFields(err) });
    }
  }
  log.error('Webhook delivery gave up', { operationId: event.operation_id });
  return false;
}
