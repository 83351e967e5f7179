// Sending a waiting generation to Veo when its turn comes. Every operation starts in its model's line (start.ts);
// this asks the gate (gate.ts) for its turn — the pace of the project's quota, fairness across principals, the
// principal's running limit, the breaker — in one transaction with the record, so however many deliveries arrive,
// one submit goes out. Then it sends the submit and sorts Veo's answer:
//   accepted       → RUNNING, polled from now on;
//   not started    → back in line with backoff and jitter (429 quota, 503 unavailable): never FAILED for that;
//   maybe started  → left to reconciling (a timeout after sending, 500): never sent again, it may be billed;
//   refused        → FAILED (a 4xx: the request is wrong), with its completion event.
// A generation that never got its turn before the deadline ends EXPIRED, with nothing billed.
import { randomInt } from 'node:crypto';
import { AppError, type ErrorCode } from '../errors.js';
import { errorFields, log } from '../log.js';
import { admitSubmit } from './budget.js';
import { finish } from './completion.js';
import { secondsFrom, type OperationsContext } from './context.js';
import {
  breakerView,
  fairOrder,
  gateKeyOf,
  holdPrincipal,
  joinLine,
  opened,
  rateOf,
  recordFailure,
  recordSuccess,
  releaseProbe,
  takeTurn,
  type GateState,
} from './gate.js';
import { doublingSeconds, nextPollDelaySeconds } from './poll-schedule.js';
import { schedulePoll } from './poll.js';
import {
  SubmitFailure,
  type DispatchChange,
  type ImageInput,
  type MediaInputs,
  type SubmitFailureKind,
} from './ports.js';
import type { ImageReference, OperationRecord, WaitReason, Waiting } from './record.js';
import { markRunning, markSending, markWaiting, toOperationError } from './state.js';

/** Veo refused the submit for good: the operation is recorded as FAILED, and its completion event says so. */
export class SubmitFailedError extends AppError {
  readonly operationId: string;
  constructor(operationId: string, code: ErrorCode, message: string, retryable: boolean) {
    super(code, message, retryable);
    this.operationId = operationId;
  }
}

/** First retry after Veo refused a submit without starting it; doubles per refusal up to the ceiling. */
const RETRY_BASE_SECONDS = 2;
const RETRY_MAX_SECONDS = 60;

/** Backoff after the `attempts`-th refused submit: exponential, with jitter in [half, full] so retries spread. */
export function retryAfterSeconds(attempts: number): number {
  const full = doublingSeconds(RETRY_BASE_SECONDS, RETRY_MAX_SECONDS, attempts);
  return full / 2 + (randomInt(0, 1001) / 1000) * (full / 2);
}

export interface DispatchResult {
  record: OperationRecord;
  /** Only when the submit went out and Veo refused it for good (the record is FAILED). */
  refused?: SubmitFailedError;
}

/**
 * Gives the waiting operation `id` its turn if it has one. `inputs` are the input images in hand (the start's own
 * call); a later delivery reads the copy kept while it waited.
 */
export async function dispatch(
  ctx: OperationsContext,
  current: OperationRecord,
  inputs?: MediaInputs,
): Promise<DispatchResult | undefined> {
  const { settings } = ctx;
  let now = ctx.clock.now();
  const id = current.id;
  let expired = false;
  let sending = false;
  /** Submits Veo refused before this one: markSending drops `waiting`, and a refusal counts on from here. */
  let refusedBefore = 0;

  if (current.status !== 'QUEUED' || !current.waiting) return { record: current };
  const key = gateKeyOf(current);
  const rate = rateOf(settings.admission, current.model);
  const maxAgeMs = settings.operationDeadlineSeconds * 1000;

  const result = await ctx.store.dispatch(id, key, (record, gate, running): DispatchChange | undefined => {
    // The time of the decision, not of the call: the transaction may wait its turn on the gate (and retry) for
    // seconds, and a grant stamped that early lets the next minute's submits reach Veo inside Google's window.
    now = ctx.clock.now();
    expired = false;
    sending = false;
    if (record.status !== 'QUEUED' || !record.waiting) return undefined;
    if (now.getTime() - Date.parse(record.createdAt) > maxAgeMs) {
      expired = true;
      return undefined;
    }
    const turn = takeTurn(gate, id, rate, now.getTime(), maxAgeMs);
    if (turn.go && admitSubmit(running, settings.limits)) {
      sending = true;
      refusedBefore = record.waiting.attempts;
      return {
        record: markSending(record, secondsFrom(ctx, settings.submitGraceSeconds), now),
        gate: turn.gate,
        running: 1,
      };
    }
    if (turn.go) {
      // Its turn, but the principal has its limit of generations at Veo: it steps aside, others go first.
      const until = secondsFrom(ctx, settings.poll.intervalSeconds);
      return {
        record: markWaiting(
          record,
          { ...record.waiting, reason: 'running-limit', position: 0, estimatedStartAt: until.toISOString() },
          until,
          now,
        ),
        gate: holdPrincipal(gate, record.principal, until.getTime()),
      };
    }
    const breaker = breakerView(gate, now.getTime());
    const waiting: Waiting = {
      ...record.waiting,
      // A refusal from Veo (quota) stays the reason until the gate has something to say.
      reason: record.waiting.reason === 'quota' && turn.reason === 'paced' ? 'quota' : turn.reason,
      position: turn.position,
      estimatedStartAt: turn.estimatedStartAt.toISOString(),
    };
    if (breaker.state !== 'closed') waiting.unavailableSince = breaker.since.toISOString();
    else delete waiting.unavailableSince;
    // Due at its estimated start, plus up to a second of jitter so a line does not arrive all at once.
    const due = new Date(turn.estimatedStartAt.getTime() + randomInt(0, 1000));
    return { record: markWaiting(record, waiting, due, now) };
  });
  if (!result) return undefined;
  if (expired) return { record: (await expireUnstarted(ctx, result.record)) ?? result.record };
  if (!sending) {
    const due = result.record.nextPollAt;
    // Still waiting (this decision kept it in line): its next wake-up is at its new nextPollAt.
    if (result.record.waiting) {
      const delay = due ? Math.max(0, (Date.parse(due) - ctx.clock.now().getTime()) / 1000) : 0;
      await schedulePoll(ctx, id, delay, due);
    }
    return { record: result.record };
  }
  return send(ctx, result.record, key, inputs, refusedBefore);
}

/** The submit itself, and what Veo's answer makes of the operation. */
async function send(
  ctx: OperationsContext,
  record: OperationRecord,
  key: string,
  inputs: MediaInputs | undefined,
  refusedBefore: number,
): Promise<DispatchResult> {
  const { settings, veo, blobs } = ctx;
  const id = record.id;
  let accepted: { operationName: string; simulated: boolean };
  let media: MediaInputs;
  try {
    media = inputs ?? (await keptInputs(ctx, record));
    const video = record.request.video;
    if (video && !media.video) {
      // A stored video: the model reads a gs:// one itself; other stores send its bytes.
      media = video.uri.startsWith('gs://')
        ? { ...media, video: { reference: video } }
        : {
            ...media,
            video: { reference: video, base64: (await ctx.blobs.read(video.uri)).toString('base64') },
          };
    }
  } catch (err) {
    // Nothing reached Veo: not an outage of Veo's, and safe to try again (unless an image was never kept).
    const failure =
      err instanceof SubmitFailure
        ? err
        : new SubmitFailure(
            'UPSTREAM',
            `The kept input media could not be read: ${err instanceof Error ? err.message : String(err)}`,
            'not-started',
            false,
          );
    return sendFailed(ctx, record, key, failure, inputs, refusedBefore);
  }
  try {
    accepted = await veo.submit(record.request, media, {
      operationId: id,
      principal: record.principal,
      outputUri: blobs.outputUriFor(record.outputPrefix),
    });
  } catch (err) {
    return sendFailed(ctx, record, key, err, inputs, refusedBefore);
  }
  const firstDelay = nextPollDelaySeconds(settings.poll, 0);
  const running = await ctx.store.update(id, (current) =>
    markRunning(
      current,
      { veoOperationName: accepted.operationName, simulated: accepted.simulated },
      secondsFrom(ctx, firstDelay),
      ctx.clock.now(),
    ),
  );
  await schedulePoll(ctx, id, firstDelay, running?.nextPollAt);
  const closed = await updateGate(ctx, key, recordSuccess);
  if (closed) await wakeLine(ctx, closed, record.model);
  return { record: running ?? record };
}

async function sendFailed(
  ctx: OperationsContext,
  record: OperationRecord,
  key: string,
  err: unknown,
  inputs: MediaInputs | undefined,
  refusedBefore: number,
): Promise<DispatchResult> {
  const id = record.id;
  const error = toOperationError(err);
  // A generator's own classification counts; a plain AppError that says a retry cannot help is a refusal; anything
  // else may have reached Veo.
  const kind: SubmitFailureKind =
    err instanceof SubmitFailure
      ? err.kind
      : err instanceof AppError && !err.retryable
        ? 'refused'
        : 'unknown';
  const outage = err instanceof SubmitFailure ? err.outage : kind === 'unknown';
  const now = ctx.clock.now();
  if (outage) {
    await updateGate(ctx, key, (gate) =>
      recordFailure(gate, ctx.settings.admission, error.message, now.getTime(), id),
    );
  }

  if (kind === 'not-started') {
    // `record` is the sending one, without `waiting`: the count carries over from before the send.
    const attempts = refusedBefore + 1;
    const reason: WaitReason = error.code === 'RESOURCE_EXHAUSTED' ? 'quota' : 'unavailable';
    const delay = retryAfterSeconds(attempts);
    const due = secondsFrom(ctx, delay);
    log.warn('Veo did not start the generation; it waits in line for another try', {
      operationId: id,
      attempt: attempts,
      retryInSeconds: Math.round(delay * 10) / 10,
      ...error,
    });
    const waiting: Waiting = {
      since: record.createdAt,
      reason,
      attempts,
      position: 0,
      estimatedStartAt: due.toISOString(),
      lastError: error.message.slice(0, 300),
    };
    const back = await ctx.store.dispatch(id, key, (current, gate) => {
      if (current.status !== 'QUEUED' || current.veoOperationName || current.waiting) return undefined;
      // This very failure may have opened the breaker: the caller hears since when the model is down.
      const since = gate.breaker.openedAt;
      return {
        record: markWaiting(
          current,
          since === undefined ? waiting : { ...waiting, unavailableSince: new Date(since).toISOString() },
          due,
          now,
        ),
        // Back to its own place in the line: it arrived when it was created.
        gate: joinLine(gate, { id, principal: current.principal, at: Date.parse(current.createdAt) }),
        running: -1,
      };
    });
    const stored = back?.record ?? record;
    if (stored.waiting) await keepInputs(ctx, stored, inputs);
    if (stored.waiting) await schedulePoll(ctx, id, delay, stored.nextPollAt);
    return { record: stored };
  }

  if (
    kind === 'unknown' &&
    ctx.veo.writesToStorage(record.model) &&
    ctx.blobs.outputUriFor(record.outputPrefix)
  ) {
    // It may have started: the record stays without Veo's name, and the poll that comes after the submit's grace
    // reconciles it from its outputs (poll.ts). Sending it again could bill it twice. (Where outputs cannot be found
    // without Veo's answer, nothing could follow it: it fails below, and the message says it may have started.)
    log.warn("Veo's answer to a submit was lost; the operation will be reconciled, not sent again", {
      operationId: id,
      ...error,
    });
    await schedulePoll(ctx, id, ctx.settings.submitGraceSeconds, record.nextPollAt);
    return { record: (await ctx.store.get(id)) ?? record };
  }

  log.warn('Veo rejected the generation request', { operationId: id, ...error });
  if (kind === 'refused') {
    let freed: GateState | undefined;
    await updateGate(ctx, key, (gate) => (freed = releaseProbe(gate, id)));
    if (freed) await wakeLine(ctx, freed, record.model);
  }
  let ended: OperationRecord | undefined;
  try {
    ended = await finish(ctx, id, {
      status: 'FAILED',
      error,
      ...(kind === 'unknown' ? { mayBeBilled: true } : {}),
    });
  } catch (finishErr) {
    // Unless the record could not even be ended (then that store failure is the answer, and a retry helps), the
    // caller needs Veo's answer, not ours: the event stays due and goes out on a replay or the sweep.
    if ((await ctx.store.get(id))?.status !== 'FAILED') throw finishErr;
    log.error('Could not publish the completion event of a failed submit; it stays due', {
      operationId: id,
      ...errorFields(finishErr),
    });
  }
  const refused = new SubmitFailedError(
    id,
    err instanceof AppError ? err.code : 'UPSTREAM',
    kind === 'unknown'
      ? `${record.model} may have started the generation, and Google may bill it; it is not sent again, and its ` +
          `seconds stay counted (operation ${id} recorded as FAILED): ${error.message}`
      : `${record.model} did not start the generation (operation ${id} recorded as FAILED): ${error.message}`,
    false,
  );
  return { record: ended ?? (await ctx.store.get(id)) ?? record, refused };
}

/** Waited in line past the deadline without ever being sent: EXPIRED, nothing billed, its seconds given back. */
async function expireUnstarted(ctx: OperationsContext, record: OperationRecord) {
  const seconds = ctx.settings.operationDeadlineSeconds;
  const why = record.waiting?.lastError ? ` Veo's last answer: ${record.waiting.lastError}` : '';
  return finish(
    ctx,
    record.id,
    // Decided on the record as the ending's transaction reads it: one sent meanwhile (another instance's clock) is
    // followed at Veo, not expired as "never sent".
    (current) =>
      current.waiting === undefined
        ? undefined
        : {
            status: 'EXPIRED',
            error: {
              code: 'DEADLINE_EXCEEDED',
              message:
                `The generation waited ${seconds} seconds for its turn at Veo (${record.waiting?.reason ?? 'queued'}) ` +
                `and was never sent, so nothing was billed and its seconds are back in your budget.${why}`,
              retryable: true,
            },
          },
    gateKeyOf(record),
  );
}

/**
 * Applies `mutate` to the gate and logs what it did to the breaker. Returns the gate when the change closed the
 * breaker (the line should move now), else undefined. Best effort: a failure is logged, never thrown, since the
 * submit it follows has happened either way.
 */
async function updateGate(
  ctx: OperationsContext,
  key: string,
  mutate: (gate: GateState) => GateState | undefined,
): Promise<GateState | undefined> {
  let before: GateState | undefined;
  try {
    const after = await ctx.store.gate(key, (gate) => {
      before = gate;
      return mutate(gate);
    });
    if (before && opened(before, after)) {
      log.error('Circuit breaker opened: submits to this model wait until a probe succeeds', {
        gate: key,
        failures: after.breaker.failures.length,
        probeAt: new Date(after.breaker.openUntil!).toISOString(),
        lastError: after.breaker.lastError,
      });
    } else if (before?.breaker.openedAt !== undefined && after.breaker.openedAt === undefined) {
      log.info('Circuit breaker closed: the probe submit succeeded', {
        gate: key,
        unavailableSince: new Date(before.breaker.openedAt).toISOString(),
        waiting: after.line.length,
      });
      return after;
    }
  } catch (err) {
    log.warn('Could not update the admission gate', { gate: key, ...errorFields(err) });
  }
  return undefined;
}

/**
 * The breaker closed: the first of the line (as many as the pace allows) are asked for their turn now, rather than
 * at the estimated start they were given while the model was down.
 */
async function wakeLine(ctx: OperationsContext, gate: GateState, model: string): Promise<void> {
  const now = ctx.clock.now().getTime();
  const next = fairOrder(gate.line, now, gate.served).slice(0, rateOf(ctx.settings.admission, model));
  for (const entry of next) await schedulePoll(ctx, entry.id, 0, undefined);
}

/** An input image by role: 'image' (first frame), 'lastFrame', 'reference-N'. */
interface RoleImage {
  role: string;
  reference: ImageReference;
  input?: ImageInput;
}

/** The request's images with their roles, and the inputs in hand for them (if any). */
function imagesByRole(request: OperationRecord['request'], inputs?: MediaInputs): RoleImage[] {
  const roles: RoleImage[] = [];
  if (request.image) roles.push({ role: 'image', reference: request.image, input: inputs?.image });
  if (request.lastFrame)
    roles.push({ role: 'lastFrame', reference: request.lastFrame, input: inputs?.lastFrame });
  request.referenceImages?.forEach((reference, n) =>
    roles.push({ role: `reference-${n}`, reference, input: inputs?.referenceImages?.[n] }),
  );
  return roles;
}

/** Where a kept copy of one role's image is recorded ('image' keeps its older field). */
const copyOf = (record: OperationRecord, role: string): string | undefined =>
  role === 'image' ? record.imageCopyUri : record.inputCopies?.[role];

/**
 * Keeps the images given as bytes while the operation waits, so a later delivery can send them: next to its outputs,
 * under names no output has (`${outputPrefix}input-{role}`).
 */
export async function keepInputs(
  ctx: OperationsContext,
  record: OperationRecord,
  inputs?: MediaInputs,
): Promise<void> {
  const kept: Record<string, string> = {};
  for (const { role, input } of imagesByRole(record.request, inputs)) {
    if (!input?.base64 || copyOf(record, role)) continue;
    const stored = await ctx.blobs.put(
      `${record.outputPrefix}input-${role}`,
      Buffer.from(input.base64, 'base64'),
      input.reference.mimeType,
    );
    kept[role] = stored.uri;
  }
  if (Object.keys(kept).length === 0) return;
  const { image, ...others } = kept;
  await ctx.store.update(record.id, (current) => ({
    ...current,
    ...(image && !current.imageCopyUri ? { imageCopyUri: image } : {}),
    ...(Object.keys(others).length > 0 ? { inputCopies: { ...others, ...current.inputCopies } } : {}),
  }));
}

/** The waiting operation's images, read back from their kept copies (gs:// images are sent by URI). */
async function keptInputs(ctx: OperationsContext, record: OperationRecord): Promise<MediaInputs> {
  const media: MediaInputs = {};
  for (const { role, reference } of imagesByRole(record.request)) {
    let input: ImageInput;
    if (reference.source === 'gcs') input = { reference };
    else {
      const copy = copyOf(record, role);
      if (!copy) {
        // Copies are written just after it joins the line: a wake-up can come first. Nothing was sent; it tries again.
        throw new SubmitFailure(
          'UPSTREAM',
          'An input image of this waiting generation is not stored yet; it will be sent once it is.',
          'not-started',
          false,
        );
      }
      input = { reference, base64: (await ctx.blobs.read(copy)).toString('base64') };
    }
    if (role === 'image') media.image = input;
    else if (role === 'lastFrame') media.lastFrame = input;
    else (media.referenceImages ??= []).push(input);
  }
  return media;
}
