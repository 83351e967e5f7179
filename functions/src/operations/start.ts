// Starting a generation, idempotently: the record is written before Veo is called (a crash after Veo accepted leaves
// a trace to reconcile), and the same idempotency key with the same arguments returns the operation already started.
// The record's seconds are reserved against the spend limits in the transaction that creates it (budget.ts): a refusal
// creates nothing, submits nothing and reserves nothing, and a replay reserves nothing again.
import { AppError, type ErrorCode } from '../errors.js';
import { admitStart, utcDay, videoSecondsOf } from './budget.js';
import { errorFields, log } from '../log.js';
import { finish, publishPending } from './completion.js';
import { secondsFrom, type OperationsContext } from './context.js';
import { newOperationId } from './ids.js';
import { nextPollDelaySeconds } from './poll-schedule.js';
import type { ImageInput } from './ports.js';
import { isTerminal, type OperationRecord, type VideoRequest } from './record.js';
import { hashRequest } from './request-hash.js';
import { markRunning, toOperationError } from './state.js';
import { schedulePoll } from './poll.js';

export interface StartInput {
  principal: string;
  request: VideoRequest;
  image?: ImageInput;
  idempotencyKey?: string;
  estimatedCostUsd: number;
  correlation?: Record<string, string>;
  webhookUrl?: string;
}

const DAY_MS = 86_400_000;

/** Veo refused the submit: the operation is recorded as FAILED, and its completion event says so. */
export class SubmitFailedError extends AppError {
  readonly operationId: string;
  constructor(operationId: string, code: ErrorCode, message: string, retryable: boolean) {
    super(code, message, retryable);
    this.operationId = operationId;
  }
}

export async function start(
  ctx: OperationsContext,
  input: StartInput,
): Promise<{ record: OperationRecord; started: boolean }> {
  const { store, veo, blobs, settings } = ctx;
  const now = ctx.clock.now();
  const id = newOperationId(now.getTime());
  const requestHash = hashRequest(input.request);
  const prefix = `${settings.outputPrefix}/${id}/`;
  const draft: OperationRecord = {
    id,
    principal: input.principal,
    status: 'QUEUED',
    request: input.request,
    model: input.request.model,
    backend: veo.api,
    simulated: false,
    idempotencyKey: input.idempotencyKey,
    requestHash,
    outputPrefix: prefix,
    outputs: [],
    estimatedCostUsd: input.estimatedCostUsd,
    reservation: { day: utcDay(now), seconds: videoSecondsOf(input.request) },
    correlation: input.correlation,
    webhookUrl: input.webhookUrl,
    pollCount: 0,
    pollErrors: 0,
    // If this instance dies before recording Veo's answer, the sweep finds the record here and reconciles it.
    nextPollAt: secondsFrom(ctx, settings.submitGraceSeconds).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expireAt: new Date(now.getTime() + settings.retentionDays * DAY_MS).toISOString(),
  };
  const created = await store.create(draft, (usage) => admitStart(usage, draft, settings.limits, now));
  if (!created.created)
    return { record: await replay(ctx, created.record, input, requestHash), started: false };

  let accepted: { operationName: string; simulated: boolean };
  try {
    accepted = await veo.submit(input.request, input.image, blobs.outputUriFor(prefix));
  } catch (err) {
    const error = toOperationError(err);
    log.warn('Veo rejected the generation request', { operationId: id, ...error });
    try {
      await finish(ctx, id, { status: 'FAILED', error });
    } catch (finishErr) {
      // Unless the record could not even be ended (then that store failure is the answer, and a retry helps),
      // the caller needs Veo's answer, not ours: the event stays due and goes out on a replay or the sweep.
      if ((await store.get(id))?.status !== 'FAILED') throw finishErr;
      log.error('Could not publish the completion event of a failed submit; it stays due', {
        operationId: id,
        ...errorFields(finishErr),
      });
    }
    throw new SubmitFailedError(
      id,
      err instanceof AppError ? err.code : 'UPSTREAM',
      `Veo did not start the generation (operation ${id} recorded as FAILED): ${error.message}`,
      error.retryable,
    );
  }

  const firstDelay = nextPollDelaySeconds(settings.poll, 0);
  const running = await store.update(id, (current) =>
    markRunning(
      current,
      { veoOperationName: accepted.operationName, simulated: accepted.simulated },
      secondsFrom(ctx, firstDelay),
      ctx.clock.now(),
    ),
  );
  await schedulePoll(ctx, id, firstDelay, running?.nextPollAt);
  return { record: running ?? draft, started: true };
}

/** The operation an idempotency key already started; its event goes out now if it never did. */
async function replay(
  ctx: OperationsContext,
  existing: OperationRecord,
  input: StartInput,
  requestHash: string,
): Promise<OperationRecord> {
  if (existing.requestHash !== requestHash) {
    throw new AppError(
      'ALREADY_EXISTS',
      `Invalid idempotency_key: ${JSON.stringify(input.idempotencyKey)} was already used for operation ` +
        `${existing.id} with different arguments. Reuse a key only to repeat the same request; use a new key for a new one.`,
    );
  }
  if (!isTerminal(existing.status)) return existing;
  try {
    return await publishPending(ctx, existing);
  } catch (err) {
    // The replay still answers; the event stays due and the sweep publishes it.
    log.error("Could not publish a replayed operation's completion event; it stays due", {
      operationId: existing.id,
      ...errorFields(err),
    });
    return existing;
  }
}
