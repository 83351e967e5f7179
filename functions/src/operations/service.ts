// The domain service: start an operation (idempotently), follow it with polls, finish it with outputs.
// Every source of a poll (queue message, sweep, a waiting tool call) is only a hint: each poll re-reads the record
// and applies an idempotent transition, so duplicates, late and out-of-order deliveries are harmless.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError } from '../errors.js';
import { errorFields, log } from '../log.js';
import { newOperationId } from './ids.js';
import { nextPollDelaySeconds, retryDelaySeconds, type PollTiming } from './poll-schedule.js';
import { isTerminal, type OperationOutput, type OperationRecord, type VideoRequest } from './record.js';
import { hashRequest } from './request-hash.js';
import { transition } from './state.js';
import type {
  BlobStore,
  CompletionEvent,
  CompletionSink,
  ImageInput,
  ListQuery,
  OperationStore,
  PollOutcome,
  PollQueue,
  VideoGenerator,
} from './ports.js';

export interface OperationsSettings {
  poll: PollTiming;
  /** A Veo operation not done after this many seconds ends EXPIRED. */
  operationDeadlineSeconds: number;
  retentionDays: number;
  outputPrefix: string;
  /** How long a submit may take; a record still without Veo's answer after this is reconciled. */
  submitGraceSeconds: number;
  /** How overdue a poll must be before the sweep assumes its message was lost. */
  sweepGraceSeconds: number;
  /** Lifetime of the signed URLs in completion events. */
  signedUrlTtlSeconds: number;
}

export interface OperationsDeps {
  store: OperationStore;
  blobs: BlobStore;
  queue: PollQueue;
  veo: VideoGenerator;
  /** Where completion events go (Pub/Sub topic, in-process listeners, webhooks). */
  completions: CompletionSink;
  settings: OperationsSettings;
  now?: () => Date;
}

export interface StartInput {
  principal: string;
  request: VideoRequest;
  image?: ImageInput;
  idempotencyKey?: string;
  estimatedCostUsd: number;
  correlation?: Record<string, string>;
  webhookUrl?: string;
}

export type PollResult = 'unknown' | 'terminal' | 'pending' | 'finished';

export interface PollOptions {
  /** The nextPollAt the message was scheduled for; a message older than the record's schedule is dropped. */
  scheduledFor?: string;
  /** Arrange the next poll on the queue (false for a caller that polls in its own loop). */
  schedule?: boolean;
}

const DAY_MS = 86_400_000;

export class Operations {
  /** Emits 'finished' (operationId, status) when this instance moves an operation to a final state. */
  readonly events = new EventEmitter();
  private readonly now: () => Date;
  private readonly inFlight = new Map<string, Promise<PollResult>>();

  constructor(private readonly deps: OperationsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Starts a generation, or returns the operation already started with the same idempotency key.
   * The record is written before Veo is called, so a crash after Veo accepted leaves a trace to reconcile.
   */
  async start(input: StartInput): Promise<{ record: OperationRecord; started: boolean }> {
    const { store, veo, blobs, settings } = this.deps;
    const now = this.now();
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
      correlation: input.correlation,
      webhookUrl: input.webhookUrl,
      pollCount: 0,
      pollErrors: 0,
      // If this instance dies before recording Veo's answer, the sweep finds the record here and reconciles it.
      nextPollAt: new Date(now.getTime() + settings.submitGraceSeconds * 1000).toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expireAt: new Date(now.getTime() + settings.retentionDays * DAY_MS).toISOString(),
    };
    const created = await store.create(draft);
    if (!created.created) {
      const existing = created.record;
      if (existing.requestHash !== requestHash) {
        throw new AppError(
          'ALREADY_EXISTS',
          `Invalid idempotency_key: ${JSON.stringify(input.idempotencyKey)} was already used for operation ` +
            `${existing.id} with different arguments. Reuse a key only to repeat the same request; use a new key for a new one.`,
        );
      }
      return { record: existing, started: false };
    }

    let accepted: { operationName: string; simulated: boolean };
    try {
      accepted = await veo.submit(input.request, input.image, blobs.outputUriFor(prefix));
    } catch (err) {
      const error = toOperationError(err);
      await store.update(id, (current) =>
        isTerminal(current.status) ? undefined : transition(current, 'FAILED', { error }, this.now()),
      );
      log.warn('Veo rejected the generation request', { operationId: id, ...error });
      await this.announce(id);
      throw new AppError(
        err instanceof AppError ? err.code : 'UPSTREAM',
        `Veo did not start the generation (operation ${id} recorded as FAILED): ${error.message}`,
        error.retryable,
      );
    }

    const firstDelay = nextPollDelaySeconds(settings.poll, 0);
    const running = await store.update(id, (current) =>
      isTerminal(current.status)
        ? undefined
        : transition(
            current,
            'RUNNING',
            {
              veoOperationName: accepted.operationName,
              simulated: accepted.simulated,
              nextPollAt: new Date(this.now().getTime() + firstDelay * 1000).toISOString(),
            },
            this.now(),
          ),
    );
    await this.schedulePoll(id, firstDelay, running?.nextPollAt);
    return { record: running ?? draft, started: true };
  }

  /** The caller's operation; another principal's operation is reported as not found. */
  async get(principal: string, id: string): Promise<OperationRecord> {
    const record = await this.deps.store.get(id);
    if (!record || record.principal !== principal) {
      throw new AppError(
        'NOT_FOUND',
        `Invalid operation_id: ${JSON.stringify(id)} does not name one of your operations. ` +
          'Use list_video_operations to see them.',
      );
    }
    return record;
  }

  list(query: ListQuery): ReturnType<OperationStore['list']> {
    return this.deps.store.list(query);
  }

  /**
   * One poll of one operation: re-read the record, ask Veo, apply the transition, arrange the next poll.
   * Throws only what a retry can fix (a store failure); Veo errors are handled here with backoff.
   * Polls of the same operation on this instance run one after another (a completion notice arriving during a
   * scheduled poll waits for it, then sees its result), so they never contend in store transactions.
   */
  async poll(id: string, options: PollOptions = {}): Promise<PollResult> {
    const previous = this.inFlight.get(id);
    const current = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(() =>
      this.pollOnce(id, options),
    );
    this.inFlight.set(id, current);
    try {
      return await current;
    } finally {
      if (this.inFlight.get(id) === current) this.inFlight.delete(id);
    }
  }

  private async pollOnce(id: string, options: PollOptions): Promise<PollResult> {
    const { store, veo, settings } = this.deps;
    const schedule = options.schedule ?? true;
    const record = await store.get(id);
    if (!record) {
      log.warn('Poll for an unknown operation ignored', { operationId: id });
      return 'unknown';
    }
    if (isTerminal(record.status)) {
      // A redelivered poll after a failed publish: the completion event still has to go out.
      if (!record.completionPublishedAt) await this.announce(id);
      return 'terminal';
    }
    const now = this.now();
    if (
      options.scheduledFor &&
      record.nextPollAt &&
      record.nextPollAt > options.scheduledFor &&
      record.nextPollAt > now.toISOString()
    ) {
      // A newer poll is already arranged: this message is a duplicate or late; dropping it keeps one poll chain.
      return 'pending';
    }
    const elapsed = (now.getTime() - Date.parse(record.createdAt)) / 1000;

    if (elapsed > settings.operationDeadlineSeconds) {
      await this.finish(id, 'EXPIRED', {
        error: {
          code: 'DEADLINE_EXCEEDED',
          message: `Veo did not finish within ${settings.operationDeadlineSeconds} seconds; the operation was abandoned.`,
          retryable: true,
        },
      });
      return 'finished';
    }
    if (!record.veoOperationName) return this.reconcile(record, elapsed, schedule);

    let outcome: PollOutcome;
    try {
      outcome = await veo.poll(record.veoOperationName);
    } catch (err) {
      const error = toOperationError(err);
      if (!error.retryable) {
        await this.finish(id, 'FAILED', { error });
        return 'finished';
      }
      log.warn('Veo poll failed; retrying with backoff', { operationId: id, ...error });
      await this.reschedule(id, retryDelaySeconds(settings.poll, record.pollErrors + 1), true, schedule);
      return 'pending';
    }

    if (!outcome.done) {
      await this.reschedule(id, nextPollDelaySeconds(settings.poll, record.pollCount + 1), false, schedule);
      return 'pending';
    }
    if ('error' in outcome) {
      await this.finish(id, 'FAILED', { error: { ...outcome.error, retryable: false } });
      return 'finished';
    }
    const rai = { raiFilteredCount: outcome.raiFilteredCount, raiReasons: outcome.raiReasons };
    if (outcome.videos.length === 0) {
      await this.finish(id, 'FILTERED', {
        ...rai,
        error: {
          code: 'FILTERED',
          message:
            outcome.raiReasons.length > 0
              ? `Veo's safety filters removed every video: ${outcome.raiReasons.join(' ')}`
              : "Veo returned no video (filtered by Veo's safety filters).",
          retryable: false,
        },
      });
      return 'finished';
    }
    let outputs: OperationOutput[];
    try {
      outputs = await this.saveOutputs(record, outcome.videos);
    } catch (err) {
      log.warn('Saving outputs failed; retrying', { operationId: id, ...errorFields(err) });
      await this.reschedule(id, retryDelaySeconds(settings.poll, record.pollErrors + 1), true, schedule);
      return 'pending';
    }
    await this.finish(id, 'SUCCEEDED', { ...rai, outputs });
    return 'finished';
  }

  /**
   * Enqueues a poll for every live operation whose poll is overdue by more than the grace period: recovers lost
   * messages. The message carries the missed schedule, so if the lost message turns up after all, one of the two
   * is dropped as stale and a single poll chain remains.
   */
  async sweep(limit = 100): Promise<number> {
    const dueBefore = new Date(this.now().getTime() - this.deps.settings.sweepGraceSeconds * 1000);
    const due = await this.deps.store.findDue(dueBefore, limit);
    for (const record of due) await this.schedulePoll(record.id, 0, record.nextPollAt);
    return due.length;
  }

  /** Veo's own completion notice (Vertex pubsubTopic) for the operation it knows by `veoOperationName`. */
  async pollByVeoOperationName(veoOperationName: string): Promise<PollResult> {
    const record = await this.deps.store.findByVeoOperationName(veoOperationName);
    if (!record) {
      log.warn('Completion notice for an unknown Veo operation ignored', { veoOperationName });
      return 'unknown';
    }
    return this.poll(record.id);
  }

  /**
   * A QUEUED record without Veo's operation name: the submit is still in flight, or the instance that sent it died
   * after Veo accepted. Where Veo writes straight to storage, its outputs show up under the operation's prefix and
   * finish the operation; otherwise, once the submit can no longer be in flight, the operation is failed honestly.
   */
  private async reconcile(record: OperationRecord, elapsed: number, schedule: boolean): Promise<PollResult> {
    const { settings, blobs, veo } = this.deps;
    if (elapsed < settings.submitGraceSeconds) {
      await this.reschedule(record.id, settings.poll.intervalSeconds, false, schedule);
      return 'pending';
    }
    if (veo.writesToStorage && blobs.outputUriFor(record.outputPrefix)) {
      const outputs = await blobs.listOutputs(record.outputPrefix);
      if (outputs.length > 0) {
        const stored = await this.deps.store.update(record.id, (current) =>
          current.status !== 'QUEUED'
            ? undefined
            : transition(
                transition(current, 'RUNNING', {}, this.now()),
                'SUCCEEDED',
                { outputs },
                this.now(),
              ),
        );
        log.warn('Reconciled an operation whose Veo answer was lost, from its outputs', {
          operationId: record.id,
        });
        if (stored?.status === 'SUCCEEDED') this.events.emit('finished', record.id, 'SUCCEEDED');
        return 'finished';
      }
      await this.reschedule(record.id, nextPollDelaySeconds(settings.poll, 1), false, schedule);
      return 'pending';
    }
    await this.finish(record.id, 'FAILED', {
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

  private async saveOutputs(
    record: OperationRecord,
    videos: Extract<PollOutcome, { videos: unknown }>['videos'],
  ): Promise<OperationOutput[]> {
    const { blobs, veo } = this.deps;
    const outputs: OperationOutput[] = [];
    for (const [index, video] of videos.entries()) {
      if (video.kind === 'stored') {
        const stat = await blobs.stat(video.uri);
        if (!stat) throw new AppError('UPSTREAM', `Veo reported ${video.uri} but it does not exist`, true);
        outputs.push(stat);
        continue;
      }
      const body = await veo.open(video);
      outputs.push(await blobs.put(`${record.outputPrefix}video-${index}.mp4`, body, video.mimeType));
    }
    return outputs;
  }

  private async finish(
    id: string,
    status: 'SUCCEEDED' | 'FAILED' | 'FILTERED' | 'EXPIRED',
    patch: Partial<OperationRecord>,
  ): Promise<void> {
    const stored = await this.deps.store.update(id, (current) =>
      isTerminal(current.status)
        ? undefined
        : transition(current, status, { ...patch, pollCount: current.pollCount + 1 }, this.now()),
    );
    log.info('Operation finished', { operationId: id, status: stored?.status });
    if (stored?.status === status) this.events.emit('finished', id, status);
    await this.announce(id);
  }

  /**
   * Publishes the operation's completion event once. A lease taken in a transaction lets exactly one instance
   * publish even when pollers race; if publishing fails, the error propagates so the poll is redelivered and the
   * next delivery publishes. Only a crash between publishing and recording it can repeat the event (same event_id).
   */
  async announce(id: string): Promise<void> {
    const token = randomUUID();
    const now = this.now();
    const leased = await this.deps.store.update(id, (current) =>
      !isTerminal(current.status) ||
      current.completionPublishedAt ||
      (current.announceLeaseUntil && current.announceLeaseUntil > now.toISOString())
        ? undefined
        : {
            ...current,
            announceToken: token,
            announceLeaseUntil: new Date(now.getTime() + 60_000).toISOString(),
          },
    );
    if (!leased || leased.announceToken !== token) return;
    try {
      await this.deps.completions.publish(await this.completionEvent(leased), {
        webhookUrl: leased.webhookUrl,
      });
    } catch (err) {
      // Give the lease back so the redelivered poll can publish at once.
      await this.deps.store.update(id, (current) =>
        current.announceToken === token ? { ...current, announceLeaseUntil: undefined } : undefined,
      );
      throw err;
    }
    await this.deps.store.update(id, (current) =>
      current.announceToken === token
        ? { ...current, completionPublishedAt: this.now().toISOString() }
        : undefined,
    );
  }

  private async completionEvent(record: OperationRecord): Promise<CompletionEvent> {
    const ttl = this.deps.settings.signedUrlTtlSeconds;
    const videos = await Promise.all(
      record.outputs.map(async (output) => {
        const signed = await this.deps.blobs.signedUrl(output.uri, ttl);
        return {
          uri: output.uri,
          url: signed.url,
          expires_at: signed.expiresAt,
          mime_type: output.mimeType,
          bytes: output.bytes,
        };
      }),
    );
    return {
      event_id: record.id,
      type: 'operation.completed',
      operation_id: record.id,
      request_id: record.idempotencyKey,
      status: record.status,
      backend: record.simulated ? 'simulator' : record.backend,
      model: record.model,
      videos,
      error: record.error,
      rai_filtered_count: record.raiFilteredCount || undefined,
      rai_reasons: record.raiReasons?.length ? record.raiReasons : undefined,
      correlation: record.correlation ?? {},
      completed_at: record.completedAt ?? record.updatedAt,
    };
  }

  /** Records a poll that did not finish the operation; with `schedule`, arranges (and records) the next one. */
  private async reschedule(
    id: string,
    delaySeconds: number,
    failedPoll: boolean,
    schedule: boolean,
  ): Promise<void> {
    const nextPollAt = new Date(this.now().getTime() + delaySeconds * 1000).toISOString();
    const updated = await this.deps.store.update(id, (current) =>
      isTerminal(current.status)
        ? undefined
        : {
            ...current,
            pollCount: current.pollCount + (current.veoOperationName ? 1 : 0),
            pollErrors: failedPoll ? current.pollErrors + 1 : 0,
            // A caller polling in its own loop leaves the queue's schedule alone, so that chain stays valid.
            nextPollAt: schedule ? nextPollAt : current.nextPollAt,
            updatedAt: this.now().toISOString(),
          },
    );
    if (schedule && updated && !isTerminal(updated.status)) {
      await this.schedulePoll(id, delaySeconds, nextPollAt);
    }
  }

  private async schedulePoll(id: string, delaySeconds: number, scheduledFor?: string): Promise<void> {
    try {
      await this.deps.queue.enqueue({ operationId: id, scheduledFor }, delaySeconds);
    } catch (err) {
      // The record carries nextPollAt: the sweep picks the operation up even if this message is lost.
      log.error('Could not enqueue a poll; the sweep will recover it', {
        operationId: id,
        ...errorFields(err),
      });
    }
  }
}

function toOperationError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof AppError) return { code: err.code, message: err.message, retryable: err.retryable };
  return { code: 'UPSTREAM', message: err instanceof Error ? err.message : String(err), retryable: true };
}
