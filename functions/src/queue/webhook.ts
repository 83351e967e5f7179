// Webhook delivery of completion events: POST the JSON event with an HMAC-SHA256 signature over "timestamp.body"
// (header Veo-Signature: t=UNIX,v1=HEX), retried with backoff, only to public HTTPS addresses.
import { createHmac } from 'node:crypto';
import { errorFields, log } from '../log.js';
import { nonPublicReason } from '../net/public-url.js';
import { systemClock, type Clock } from '../operations/clock.js';
import type { CompletionEvent } from './completion-event.js';

export const SIGNATURE_HEADER = 'Veo-Signature';
const ATTEMPT_DELAYS_MS = [0, 1000, 3000];
const TIMEOUT_MS = 10_000;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export interface WebhookOptions {
  secret: string;
  /** Tests deliver to loopback; production never does. */
  allowPrivateAddresses?: boolean;
  /** Waits between attempts and stamps signatures. */
  clock?: Clock;
}

/** Delivers the event; gives up (logged) after the last attempt — the Pub/Sub event is the durable record. */
export async function deliverWebhook(
  url: string,
  event: CompletionEvent,
  options: WebhookOptions,
): Promise<boolean> {
  const target = new URL(url);
  if (!options.allowPrivateAddresses) {
    const refused = target.protocol === 'https:' ? await nonPublicReason(target) : 'Webhooks must use https.';
    if (refused) {
      log.warn('Webhook not delivered', { operationId: event.operation_id, reason: refused });
      return false;
    }
  }
  const clock = options.clock ?? systemClock;
  const body = JSON.stringify(event);
  for (const [attempt, wait] of ATTEMPT_DELAYS_MS.entries()) {
    await clock.sleep(wait);
    try {
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.ok) return true;
      if (response.status < 500 && response.status !== 429) {
        log.warn('Webhook refused the event', { operationId: event.operation_id, status: response.status });
        return false;
      }
    } catch (err) {
      log.warn('Webhook delivery failed', { operationId: event.operation_id, attempt, ...errorFields(err) });
    }
  }
  log.error('Webhook delivery gave up', { operationId: event.operation_id });
  return false;
}
