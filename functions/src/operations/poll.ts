// Following an operation to its end. Every source of a poll (a queue message, the sweep, Veo's notice, a waiting
// caller) is only a hint: the poll re-reads the record, claims its slot in a transaction (so one slot is polled
// once, however many deliveries or waiters arrive), asks Veo, and records the outcome or finishes the operation.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import { errorFields, log } from '../log.js';
import { finish, publishPending } from './completion.js';
import { secondsFrom, type OperationsContext } from './context.js';
import { nextPollDelaySeconds, retryDelaySeconds } from './poll-schedule.js';
import type { GenerationStatus } from './ports.js';
import { isTerminal, type OperationOutput, type OperationRecord } from './record.js';
import { claimPoll, recordPoll, toOperationError, type Ending } from './state.js';
import { dispatch } from './submit.js';

/** What a poll did: nothing (unknown operation, already ended, stale slot), recorded progress, or ended it. */
export type PollEffect = 'unknown' | 'terminal' | 'pending' | 'finished';

export async function pollOnce(
  ctx: OperationsContext,
  id: string,
  scheduledFor: string | undefined,
): Promise<PollEffect> {
  const { store, settings } = ctx;
  // The claim's token tells our own write apart, even when a store transaction re-runs on a committed claim. The
  // claim's transaction is also the poll's read of the record.
  const claim = randomUUID();
  const holdUntil = secondsFrom(ctx, settings.submitGraceSeconds);
  const record = await store.update(id, (current) =>
    claimPoll(current, { scheduledFor, claim, holdUntil }, ctx.clock.now()),
  );
  if (!record) {
    log.warn('Poll for an unknown operation ignored', { operationId: id });
    return 'unknown';
  }
  if (record.waiting) {
    // A wake-up arranged for an earlier slot is stale: a newer one is on its way (each one not given its turn
    // arranges the next), so this one would only add a duplicate.
    if (scheduledFor !== undefined && record.nextPollAt !== undefined && scheduledFor < record.nextPollAt) {
      return 'pending';
    }
    // Waiting for its turn at Veo: this delivery asks the gate (submit.ts).
    const result = await dispatch(ctx, record);
    if (result?.record && isTerminal(result.record.status)) return 'finished';
    return 'pending';
  }
  if (isTerminal(record.status)) {
    // A redelivered poll after a failed publish, or one that waited while the operation ended: the completion
    // event still has to go out.
    await publishPending(ctx, record);
    return 'terminal';
  }
  // Another delivery holds this slot, or a newer poll is arranged: this one is a duplicate or late.
  if (record.pollClaim !== claim) return 'pending';

  // Counted from the submit: a generation that waited in line gets the whole deadline at Veo.
  const elapsed = (ctx.clock.now().getTime() - Date.parse(record.submittedAt ?? record.createdAt)) / 1000;
  // The deadline applies only to an operation still unfinished now: Veo (or its outputs) are asked first.
  const expired = elapsed > settings.operationDeadlineSeconds;
  if (!record.veoOperationName) return reconcile(ctx, record, elapsed, expired);

  let status: GenerationStatus;
  try {
    status = await ctx.veo.poll(record.veoOperationName, record.model);
  } catch (err) {
    const error = toOperationError(err);
    if (!error.retryable) {
      await finish(ctx, id, { status: 'FAILED', error });
      return 'finished';
    }
    if (expired) return expire(ctx, id);
    log.warn('Veo poll failed; retrying with backoff', { operationId: id, ...error });
    return next(ctx, id, retryDelaySeconds(settings.poll, record.pollErrors + 1), true);
  }
  if (!status.done) {
    if (expired) return expire(ctx, id);
    return next(ctx, id, nextPollDelaySeconds(settings.poll, record.pollCount + 1), false);
  }

  let ending: Ending;
  try {
    ending = await endingOf(ctx, record, status);
  } catch (err) {
    log.warn('Saving outputs failed; retrying', { operationId: id, ...errorFields(err) });
    return next(ctx, id, retryDelaySeconds(settings.poll, record.pollErrors + 1), true);
  }
  await finish(ctx, id, ending);
  return 'finished';
}

/**
 * Arranges a poll: a queue message carrying the slot it was arranged for, so the poll can tell a late or duplicate
 * delivery from the current one. A lost message is harmless: the record's nextPollAt brings the sweep.
 */
export async function schedulePoll(
  ctx: OperationsContext,
  id: string,
  delaySeconds: number,
  scheduledFor: string | undefined,
): Promise<void> {
  try {
    await ctx.queue.enqueue({ operationId: id, scheduledFor }, delaySeconds);
  } catch (err) {
    log.error('Could not enqueue a poll; the sweep will recover it', {
      operationId: id,
      ...errorFields(err),
    });
  }
}

/**
 * Enqueues a poll for every record whose next step is overdue by more than the grace period: live operations whose
 * poll message was lost, and ended ones whose completion event never went out (published here). The poll message
 * carries the missed slot, so if the lost message turns up after all, only one of the two polls.
 */
export async function sweep(ctx: OperationsContext, limit: number): Promise<number> {
  const dueBefore = secondsFrom(ctx, -ctx.settings.sweepGraceSeconds);
  const due = await ctx.store.findDue(dueBefore, limit);
  for (const record of due) {
    if (!isTerminal(record.status)) {
      await schedulePoll(ctx, record.id, 0, record.nextPollAt);
      continue;
    }
    try {
      await publishPending(ctx, record);
    } catch (err) {
      log.error('Sweep could not publish a completion event; it stays due', {
        operationId: record.id,
        ...errorFields(err),
      });
    }
  }
  return due.length;
}

/** Veo has not finished within the deadline: the operation is abandoned. */
async function expire(ctx: OperationsContext, id: string): Promise<PollEffect> {
  const seconds = ctx.settings.operationDeadlineSeconds;
  await finish(ctx, id, {
    status: 'EXPIRED',
    error: {
      code: 'DEADLINE_EXCEEDED',
      message: `Veo did not finish within ${seconds} seconds; the operation was abandoned.`,
      retryable: true,
    },
  });
  return 'finished';
}

/** Records a poll that did not end the operation and arranges the next one. */
async function next(
  ctx: OperationsContext,
  id: string,
  delaySeconds: number,
  failed: boolean,
): Promise<PollEffect> {
  const at = secondsFrom(ctx, delaySeconds);
  const updated = await ctx.store.update(id, (current) =>
    recordPoll(current, { failed, nextPollAt: at }, ctx.clock.now()),
  );
  if (!updated || isTerminal(updated.status)) return 'terminal';
  await schedulePoll(ctx, id, delaySeconds, updated.nextPollAt);
  return 'pending';
}

/**
 * A QUEUED record without Veo's operation name: the submit is still in flight, or the instance that sent it died
 * after Veo accepted. Where Veo writes straight to storage, its outputs show up under the operation's prefix and
 * finish the operation; otherwise, once the submit can no longer be in flight, the operation is failed honestly.
 */
async function reconcile(
  ctx: OperationsContext,
  record: OperationRecord,
  elapsed: number,
  expired: boolean,
): Promise<PollEffect> {
  const { settings, blobs, veo } = ctx;
  if (elapsed < settings.submitGraceSeconds) {
    return expired ? expire(ctx, record.id) : next(ctx, record.id, settings.poll.intervalSeconds, false);
  }
  if (veo.writesToStorage(record.model) && blobs.outputUriFor(record.outputPrefix)) {
    const outputs = await blobs.listOutputs(record.outputPrefix);
    if (outputs.length === 0) {
      if (expired) return expire(ctx, record.id);
      return next(ctx, record.id, nextPollDelaySeconds(settings.poll, 1), false);
    }
    log.warn('Reconciling an operation whose Veo answer was lost, from its outputs', {
      operationId: record.id,
    });
    await finish(ctx, record.id, { status: 'SUCCEEDED', outputs });
    return 'finished';
  }
  await finish(ctx, record.id, {
    status: 'FAILED',
    error: {
      code: 'UNKNOWN_SUBMISSION',
      message:
        "The server stopped before recording Veo's answer to this submission. Veo may have generated (and billed) " +
        'the video, but it cannot be followed on this backend. Start a new generation if you still need it.',
      retryable: true,
    },
  });
  return 'finished';
}

/** How a generation Veo reports done ends: failed, filtered, or succeeded with its videos stored. */
async function endingOf(
  ctx: OperationsContext,
  record: OperationRecord,
  status: Extract<GenerationStatus, { done: true }>,
): Promise<Ending> {
  if ('error' in status) return { status: 'FAILED', error: { ...status.error, retryable: false } };
  const rai = { raiFilteredCount: status.raiFilteredCount, raiReasons: status.raiReasons };
  if (status.videos.length === 0) {
    return {
      status: 'FILTERED',
      ...rai,
      error: {
        code: 'FILTERED',
        message:
          status.raiReasons.length > 0
            ? `Veo's safety filters removed every video: ${status.raiReasons.join(' ')}`
            : "Veo returned no video (filtered by Veo's safety filters).",
        retryable: false,
      },
    };
  }
  const outputs: OperationOutput[] = [];
  for (const [index, video] of status.videos.entries()) {
    if (video.kind === 'stored') {
      const stat = await ctx.blobs.stat(video.uri);
      if (!stat) throw new AppError('UPSTREAM', `Veo reported ${video.uri} but it does not exist`, true);
      outputs.push(stat);
      continue;
    }
    const body = await ctx.veo.open(video, record.model);
    outputs.push(await ctx.blobs.put(`${record.outputPrefix}video-${index}.mp4`, body, video.mimeType));
  }
  return { status: 'SUCCEEDED', ...rai, outputs };
}
