// The `requests` function (CloudEvent, Pub/Sub-triggered): pipelines publish generation requests; each is validated,
// attributed to the pipeline's principal, and started through the same code path as the generate_video tool,
// idempotent on request_id — any number of deliveries, concurrent or late, start at most one Veo job.
// An invalid message is never retried and never reaches Veo: it is acknowledged, logged, and answered with a
// `request.rejected` completion event carrying the reason, so the pipeline can find out why.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { AppError } from '../errors.js';
import { errorFields, log } from '../log.js';
import type { PubSubMessageData } from '../poller/handler.js';
import type { Runtime } from '../runtime.js';
import { prepareRequest } from '../veo/request.js';
import { RequestMessageSchema } from './message.js';

export type RequestOutcome = 'started' | 'duplicate' | 'rejected';

export function createRequestsHandler(getRuntime: () => Promise<Runtime>) {
  return async (event: CloudEvent<PubSubMessageData>): Promise<RequestOutcome> => {
    const runtime = await getRuntime();
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

    const reject = async (reason: string): Promise<RequestOutcome> => {
      log.warn('Generation request rejected', { messageId, requestId, principal, reason });
      await runtime.completions.rejected({
        messageId: messageId ?? requestId ?? 'unknown',
        requestId,
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
      json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    } catch {
      return reject('Message data is not valid JSON; see request-message.schema.json for the contract.');
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const raw = json as Record<string, unknown>;
      if (typeof raw['request_id'] === 'string') requestId = raw['request_id'].slice(0, 128);
      const rawCorrelation = raw['correlation'];
      if (rawCorrelation && typeof rawCorrelation === 'object' && !Array.isArray(rawCorrelation)) {
        correlation = Object.fromEntries(
          Object.entries(rawCorrelation).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
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

    try {
      const prepared = await prepareRequest(args, {
        api: runtime.config.veo.api,
        defaultModel: runtime.config.veo.defaultModel,
        maxImageBytes: runtime.config.maxImageBytes,
      });
      const started = await runtime.operations.start({
        principal,
        request: prepared.request,
        image: prepared.image,
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
      });
      return started.started ? 'started' : 'duplicate';
    } catch (err) {
      if (err instanceof AppError && (err.code === 'INVALID_ARGUMENT' || err.code === 'ALREADY_EXISTS')) {
        return reject(err.message);
      }
      if (err instanceof AppError) {
        // Veo refused or did not answer: the operation is recorded as FAILED and its completion event is out.
        // A redelivery would only find that operation again, so acknowledge.
        return 'started';
      }
      log.error('Generation request failed; Pub/Sub will redeliver', {
        messageId,
        requestId,
        ...errorFields(err),
      });
      throw err;
    }
  };
}
