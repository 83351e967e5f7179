// The `poller` function (CloudEvent, Pub/Sub-triggered). Messages on the poll topic are hints, never commands:
//   {operationId, scheduledFor?, notBefore?}  a scheduled poll (held until notBefore, bounded)
//   attribute type=sweep                      find operations whose poll messages were lost
//   Veo's own completion notice (Vertex)      the operation JSON, matched by its name
// Malformed, unknown or stale messages are logged and acknowledged. A failure is handled as the error-policy table
// says (errors.ts): what a retry can fix (a retryable AppError, or an unexpected throw such as the store being
// unavailable) is rethrown, so Pub/Sub redelivers it; a permanent one is logged and acknowledged (Veo's own failures
// are recorded on the operation by the domain).
import type { CloudEvent } from '@google-cloud/functions-framework';
import { pubsubDisposition } from '../errors.js';
import { errorFields, log, runWithTrace, traceOfEvent } from '../log.js';
import { OPERATION_ID_PATTERN } from '../operations/ids.js';
import { POLL_MESSAGE_TYPE, SWEEP_MESSAGE_TYPE } from '../queue/pubsub.js';
import type { Runtime } from '../runtime.js';

export interface PubSubMessageData {
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string };
  subscription?: string;
}

/** `failed`: a permanent failure, logged and acknowledged. */
export type PollerOutcome = 'polled' | 'swept' | 'ignored' | 'republished' | 'failed';

export function createPollerHandler(getRuntime: () => Promise<Runtime>) {
  const handle = async (runtime: Runtime, event: CloudEvent<PubSubMessageData>): Promise<PollerOutcome> => {
    const message = event.data?.message;
    const attributes = message?.attributes ?? {};
    const messageId = message?.messageId;
    let payload: Record<string, unknown> | undefined;
    try {
      const text = message?.data ? Buffer.from(message.data, 'base64').toString('utf8') : '';
      payload = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      payload = undefined;
    }
    if (
      payload !== undefined &&
      (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    ) {
      payload = undefined;
    }

    try {
      if (attributes['type'] === SWEEP_MESSAGE_TYPE || payload?.['type'] === SWEEP_MESSAGE_TYPE) {
        const count = await runtime.operations.sweep();
        log.info('Sweep enqueued overdue polls', { count, messageId });
        return 'swept';
      }
      if (payload && typeof payload['operationId'] === 'string') {
        if (attributes['type'] !== undefined && attributes['type'] !== POLL_MESSAGE_TYPE) {
          log.warn('Poll message with unexpected type attribute acknowledged', {
            messageId,
            type: attributes['type'],
          });
          return 'ignored';
        }
        return await handlePoll(runtime, payload, messageId);
      }
      const veoName = typeof payload?.['name'] === 'string' ? payload['name'] : undefined;
      if (veoName && veoName.includes('/operations/')) {
        await runtime.operations.pollByVeoOperationName(veoName);
        return 'polled';
      }
    } catch (err) {
      const disposition = pubsubDisposition(err);
      if (disposition === 'retry') {
        log.error('Poll failed; Pub/Sub will redeliver', { messageId, ...errorFields(err) });
        throw err;
      }
      log.error('Poll failed for good; message acknowledged', {
        messageId,
        disposition,
        ...errorFields(err),
      });
      return disposition === 'reject' ? 'ignored' : 'failed';
    }
    log.warn('Malformed poll message acknowledged without action', { messageId, attributes });
    return 'ignored';
  };

  return async (event: CloudEvent<PubSubMessageData>): Promise<PollerOutcome> => {
    const runtime = await getRuntime();
    return runWithTrace(traceOfEvent(event), runtime.config.google.project, () => handle(runtime, event));
  };
}

async function handlePoll(
  runtime: Runtime,
  payload: Record<string, unknown>,
  messageId: string | undefined,
): Promise<PollerOutcome> {
  const operationId = payload['operationId'] as string;
  if (!OPERATION_ID_PATTERN.test(operationId)) {
    log.warn('Poll message with an invalid operation id acknowledged', {
      messageId,
      operationId: operationId.slice(0, 64),
    });
    return 'ignored';
  }
  const scheduledFor = typeof payload['scheduledFor'] === 'string' ? payload['scheduledFor'] : undefined;
  const notBefore = typeof payload['notBefore'] === 'string' ? Date.parse(payload['notBefore']) : NaN;
  const { clock } = runtime;
  const early = Number.isNaN(notBefore) ? 0 : notBefore - clock.now().getTime();
  const maxWaitMs = runtime.config.queue.handlerMaxWaitSeconds * 1000;
  if (early > maxWaitMs) {
    // Too early to hold all the way: hold as long as allowed, then hand it back to the queue for the rest.
    await clock.sleep(maxWaitMs);
    const rest = Math.max(0, (notBefore - clock.now().getTime()) / 1000);
    await runtime.queue.enqueue({ operationId, scheduledFor }, rest);
    return 'republished';
  }
  await clock.sleep(early);
  await runtime.operations.poll(operationId, scheduledFor);
  return 'polled';
}
