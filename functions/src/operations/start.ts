// Starting a generation, idempotently: the record is written, QUEUED in its model's line, before Veo is called (a
// crash after Veo accepted leaves a trace to reconcile), and the same idempotency key with the same arguments returns
// the operation already started. The record's seconds are reserved against the spend limits in the transaction that
// creates it (budget.ts): a refusal creates nothing, submits nothing and reserves nothing, and a replay reserves
// nothing again. The submit goes out at once when the gate allows (submit.ts), else when its turn comes.
import { AppError } from '../errors.js';
import { admitStart, LimitExceededError, utcDay, videoSecondsOf } from './budget.js';
import { errorFields, log } from '../log.js';
import { publishPending } from './completion.js';
import type { OperationsContext } from './context.js';
import { gateKeyOf, joinLine, MAX_LINE, waitingOf } from './gate.js';
import { newOperationId } from './ids.js';
import type { MediaInputs } from './ports.js';
import { isTerminal, type OperationRecord, type VideoRequest } from './record.js';
import { hashRequest } from './request-hash.js';
import { dispatch, keepInputs } from './submit.js';

export interface StartInput {
  principal: string;
  request: VideoRequest;
  inputs?: MediaInputs;
  idempotencyKey?: string;
  estimatedCostUsd: number;
  correlation?: Record<string, string>;
  webhookUrl?: string;
}

const DAY_MS = 86_400_000;

export async function start(
  ctx: OperationsContext,
  input: StartInput,
): Promise<{ record: OperationRecord; started: boolean }> {
  const { store, veo, settings } = ctx;
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
    reservation: { day: utcDay(now), seconds: videoSecondsOf(input.request), running: false },
    waiting: { since: now.toISOString(), reason: 'paced', attempts: 0 },
    correlation: input.correlation,
    webhookUrl: input.webhookUrl,
    pollCount: 0,
    pollErrors: 0,
    // Due at once: if this instance dies before the operation's turn is asked for, the sweep asks.
    nextPollAt: now.toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expireAt: new Date(now.getTime() + settings.retentionDays * DAY_MS).toISOString(),
  };
  // The record, its reservation and its place in the model's line are written in one transaction: a refusal (a
  // spend limit, a full line) writes none of them.
  const created = await store.createInLine(draft, gateKeyOf(draft), (usage, gate) => {
    const queued = waitingOf(gate, draft.principal);
    admitStart({ ...usage, queued }, draft, settings.limits, settings.admission.maxQueuedPerPrincipal, now);
    if (gate.line.length >= MAX_LINE) throw lineFull(draft.model, gate.line.length);
    return joinLine(gate, { id, principal: draft.principal, at: now.getTime() });
  });
  if (!created.created)
    return { record: await replay(ctx, created.record, input, requestHash), started: false };
  // The spend the daily limits count (its seconds are reserved now): read by the log-based metrics in
  // terraform/monitoring.tf (test/unit/terraform-monitoring.test.ts checks the fields).
  log.info('Generation accepted', {
    operationId: id,
    principal: draft.principal,
    model: draft.model,
    videoSeconds: videoSecondsOf(draft.request),
    estimatedCostUsd: draft.estimatedCostUsd,
  });

  // Its turn now, if the pace, the line, the running limit and the breaker allow; else it waits, and the poll queue
  // brings it back at its estimated start.
  let result: Awaited<ReturnType<typeof dispatch>>;
  try {
    result = await dispatch(ctx, created.record, input.inputs);
  } catch (err) {
    // Still waiting, nothing sent: it is accepted, durably in line and due now, so the sweep asks for its turn
    // again. An error would tell the caller it failed, and a retry would start (and bill) a second one.
    const stored = await ctx.store.get(id).catch(() => undefined);
    if (stored?.status !== 'QUEUED' || !stored.waiting) throw err;
    log.error("Could not ask for a new generation's turn; it waits in line for the sweep", {
      operationId: id,
      ...errorFields(err),
    });
    result = { record: stored };
  }
  if (result?.refused) throw result.refused;
  const record = result?.record ?? created.record;
  if (record.waiting) await keepInputs(ctx, record, input.inputs);
  return { record, started: true };
}

/** The model's line is at MAX_LINE (deployment-wide, not the caller's own queue): refused before anything is written. */
function lineFull(model: string, length: number): LimitExceededError {
  return new LimitExceededError('line', {
    allowed: MAX_LINE,
    used: length,
    cost: 1,
    message:
      `The line for ${model} is full: ${length} generations of all callers are waiting for their turn at Veo ` +
      `(at most ${MAX_LINE}). Try again later, or choose another model.`,
  });
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
  if (!isTerminal(existing.status)) {
    // Waiting, and its image copies never written (the first delivery failed after joining the line): write it now.
    if (existing.waiting) await keepInputs(ctx, existing, input.inputs);
    return existing;
  }
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
