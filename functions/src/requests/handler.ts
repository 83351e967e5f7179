// The `requests` function (CloudEvent, Pub/Sub-triggered): pipelines publish generation requests; each is validated,
// attributed to the pipeline's principal, and started through the same code path as the generate_video tool,
// idempotent on request_id — any number of deliveries, concurrent or late, start at most one Veo job.
// An invalid message is never retried and never reaches Veo: it is acknowledged, logged, and answered with a
// `request.rejected` completion event carrying the reason, so the pipeline can find out why. Failures follow the
// error-policy table (errors.ts): retryable ones are rethrown for redelivery, permanent ones acknowledged — rejected
// when the request is at fault or nothing was recorded yet, else already recorded on the operation (FAILED).
import type { CloudEvent } from '@google-cloud/functions-framework';
import { describeValue, errorPolicy, pubsubDisposition, type ErrorCode } from '../errors.js';
import { errorFields, log, logWithReference, runWithTrace, traceOfEvent } from '../log.js';
import { checkDestination, EgressError } from '../net/egress.js';
import { SubmitFailedError } from '../operations/index.js';
import type { PubSubMessageData } from '../poller/handler.js';
import type { Runtime } from '../runtime.js';
import { refusePrototypeKeys } from '../video/input-rules.js';
import { prepareRequest } from '../video/request.js';
import { correlationEntryAllowed, MAX_CORRELATION_ATTRIBUTES, RequestMessageSchema } from './message.js';

/** `failed`: Veo did not start it; the operation is recorded as FAILED and its completion event is out. */
export type RequestOutcome = 'started' | 'duplicate' | 'rejected' | 'failed';

export function createRequestsHandler(getRuntime: () => Promise<Runtime>) {
  const handle = async (runtime: Runtime, event: CloudEvent<PubSubMessageData>): Promise<RequestOutcome> => {
    const { pipelines } = runtime.config;
    const message = event.data?.message;
    // The pipeline's principal is configured per subscription or per topic (the event's source names the topic).
    const subscription = event.data?.subscription?.split('/').pop() ?? '';
    const topic = /\/topics\/([^/]+)$/.exec(event.source ?? '')?.[1] ?? '';
    const principal =
      pipelines.principals[subscription] ?? pipelines.principals[topic] ?? pipelines.defaultPrincipal;
    const data = message?.data ?? '';
    const messageId = message?.messageId ?? event.id;
    let requestId: string | undefined;
    let correlation: Record<string, string> = {};

    const reject = async (reason: string, code: ErrorCode = 'INVALID_ARGUMENT'): Promise<RequestOutcome> => {
      log.warn('Generation request rejected', { messageId, requestId, principal, code, reason });
      await runtime.completions.rejected({
        messageId: messageId ?? requestId ?? 'unknown',
        requestId,
        code,
        reason,
        correlation,
        at: runtime.clock.now(),
      });
      return 'rejected';
    };

    const size = Math.floor((data.length * 3) / 4);
    if (size > pipelines.maxMessageBytes) {
      return reject(
        `Message of ${size} bytes exceeds the ${pipelines.maxMessageBytes}-byte limit (MAX_REQUEST_MESSAGE_BYTES).`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'), refusePrototypeKeys);
    } catch (err) {
      return reject(
        `Message data is not valid JSON (${(err as Error).message}); see request-message.schema.json for the contract.`,
      );
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const raw = json as Record<string, unknown>;
      if (typeof raw['request_id'] === 'string') requestId = raw['request_id'].slice(0, 128);
      const rawCorrelation = raw['correlation'];
      if (rawCorrelation && typeof rawCorrelation === 'object' && !Array.isArray(rawCorrelation)) {
        // Echoed on the rejection as Pub/Sub attributes: only entries the contract allows, as many as it allows.
        // Pub/Sub refuses more than 100 attributes or a key over 256 bytes, and a rejection that cannot publish
        // fails the delivery, which is then redelivered until it dead-letters without the pipeline hearing why.
        correlation = Object.fromEntries(
          Object.entries(rawCorrelation)
            .filter((entry): entry is [string, string] => correlationEntryAllowed(entry[0], entry[1]))
            .slice(0, MAX_CORRELATION_ATTRIBUTES),
        );
      }
    }
    const parsed = RequestMessageSchema.safeParse(json);
    if (!parsed.success) {
      return reject(
        parsed.error.issues
          .map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
          .join('; '),
      );
    }
    const { request_id, correlation: given, webhook_url, ...args } = parsed.data;
    correlation = given ?? {};
    if (webhook_url && !pipelines.webhookSecret) {
      return reject(
        'webhook_url: webhooks are not enabled on this server (WEBHOOK_SIGNING_SECRET is not set).',
      );
    }
    if (webhook_url) {
      // Checked on arrival (syntax, https, every resolved address), so a bad receiver creates nothing; delivery
      // checks again, since the name may resolve differently by then.
      try {
        await checkDestination(webhook_url, runtime.egress);
      } catch (err) {
        if (!(err instanceof EgressError)) throw err;
        return reject(`webhook_url: ${describeValue(webhook_url)} is not accepted: ${err.message}.`);
      }
    }

    /**
     * A failure, as the table says: retryable ones are redelivered; a permanent one is rejected when the request is
     * at fault, or when nothing is recorded yet (before the operation starts); else the operation holds it. A submit
     * Veo refused, whatever its code, is held by its operation, which has published its own event.
     */
    const settle = async (err: unknown, recorded: boolean): Promise<RequestOutcome> => {
      const disposition = pubsubDisposition(err);
      if (disposition === 'retry') {
        log.error('Generation request failed; Pub/Sub will redeliver', {
          messageId,
          requestId,
          ...errorFields(err),
        });
        throw err;
      }
      if (!(err instanceof SubmitFailedError) && (disposition === 'reject' || !recorded)) {
        const policy = errorPolicy(err);
        const reason = policy.showMessage
          ? (err as Error).message
          : `Internal error (reference ${logWithReference('Generation request failed', err, { messageId, requestId })}).`;
        return reject(reason, policy.code);
      }
      // Veo refused or did not answer: the operation is recorded as FAILED and its completion event is out.
      log.warn('Generation request failed; recorded on its operation', {
        messageId,
        requestId,
        operationId: err instanceof SubmitFailedError ? err.operationId : undefined,
        ...errorFields(err),
      });
      return 'failed';
    };

    let prepared: Awaited<ReturnType<typeof prepareRequest>>;
    try {
      prepared = await prepareRequest(args, {
        api: runtime.config.veo.api,
        defaultModel: runtime.config.veo.defaultModel,
        maxImageBytes: runtime.config.maxImageBytes,
        egress: runtime.egress,
        ownStorage: runtime.blobs.outputUriFor(''),
      });
    } catch (err) {
      return settle(err, false);
    }
    try {
      const started = await runtime.operations.start({
        principal,
        request: prepared.request,
        inputs: prepared.inputs,
        idempotencyKey: request_id,
        estimatedCostUsd: prepared.estimatedCostUsd,
        correlation,
        webhookUrl: webhook_url,
      });
      log.info('Generation request accepted', {
        messageId,
        requestId,
        operationId: started.record.id,
        started: started.started,
        // QUEUED with a reason: durably in its model's line, submitted when its turn comes.
        status: started.record.status,
        waiting: started.record.waiting?.reason,
      });
      return started.started ? 'started' : 'duplicate';
    } catch (err) {
      return settle(err, true);
    }
  };

  return async (event: CloudEvent<PubSubMessageData>): Promise<RequestOutcome> => {
    const runtime = await getRuntime();
    return runWithTrace(traceOfEvent(event), runtime.config.google.project, () => handle(runtime, event));
  };
}
