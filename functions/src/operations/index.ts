// The operations facade: what the MCP tools, the poller and the requests function may ask of the domain.
// Each use case lives in its own module (start, poll, completion, wait); state.ts holds the pure transitions.
import { AppError } from '../errors.js';
import { errorFields, log } from '../log.js';
import {
  admitCall,
  admitStart,
  LimitExceededError,
  sentToVeo,
  utcDay,
  utcMinute,
  type SpendLimits,
  type UsageSnapshot,
} from './budget.js';
import { systemClock } from './clock.js';
import { finish, links } from './completion.js';
import { OPERATION_ID_PATTERN } from './ids.js';
import type { OperationsContext } from './context.js';
import { pollOnce, sweep, type PollEffect } from './poll.js';
import type { ListQuery, ModelAvailability, OperationStore, VideoLink } from './ports.js';
import { admissionView, gateKeyOf, rateOf, type AdmissionView } from './gate.js';
import { isTerminal, type OperationRecord, type VideoRequest, type WireApi } from './record.js';
import type { Ending } from './state.js';
import { start, type StartInput } from './start.js';
import { waitFor, type WaitOptions, type WaitResult } from './wait.js';

export type { OperationsContext, OperationsSettings } from './context.js';
export { LIMIT_SETTINGS, LimitExceededError, type SpendLimits, type UsageSnapshot } from './budget.js';
export type { PollEffect } from './poll.js';
export type { AdmissionView, BreakerView } from './gate.js';
export type { StartInput } from './start.js';

/**
 * What the model's API did with a cancel: stopped it, found it already finished (it may be billed), has no cancel
 * (Veo), or could not be asked.
 */
export type UpstreamCancel = 'cancelled' | 'finished' | 'unsupported' | 'failed';
export { SubmitFailedError } from './submit.js';
export type { WaitOptions, WaitResult } from './wait.js';

export class Operations {
  private readonly ctx: OperationsContext;
  /** Polls of one operation on this instance run one after another, so they never contend in transactions. */
  private readonly inFlight = new Map<string, Promise<PollEffect>>();

  constructor(deps: Omit<OperationsContext, 'clock'> & { clock?: OperationsContext['clock'] }) {
    this.ctx = { ...deps, clock: deps.clock ?? systemClock };
  }

  /** Starts a generation, or returns the operation already started with the same idempotency key. */
  start(input: StartInput): Promise<{ record: OperationRecord; started: boolean }> {
    return start(this.ctx, input).catch(logRefusal(input.principal, input.request.model));
  }

  /**
   * Counts one tool call against the principal's per-minute limit, or throws LimitExceededError (and counts
   * nothing). Every tools/call that reaches a tool calls this first.
   */
  admitCall(principal: string): Promise<void> {
    const now = this.ctx.clock.now();
    return this.ctx.ledger
      .countCall(principal, utcMinute(now), (calls) => admitCall(calls, this.ctx.settings.limits, now))
      .catch(logRefusal(principal));
  }

  /** The principal's usage now, with the limits and the time it was read at (get_usage). */
  async usage(principal: string): Promise<{ usage: UsageSnapshot; limits: SpendLimits; at: Date }> {
    const at = this.ctx.clock.now();
    const usage = await this.ctx.ledger.usage(principal, utcDay(at), utcMinute(at));
    return { usage, limits: this.ctx.settings.limits, at };
  }

  /**
   * Whether the principal's spend limits would admit this request now, read outside a transaction: a cheap early
   * refusal before costly work (an https input video's copy). The start's own transaction decides for real.
   */
  async admitsStart(principal: string, request: VideoRequest, estimatedCostUsd: number): Promise<void> {
    const { usage, limits, at } = await this.usage(principal);
    try {
      admitStart(
        { ...usage, queued: 0 },
        { principal, request, estimatedCostUsd },
        limits,
        this.ctx.settings.admission.maxQueuedPerPrincipal,
        at,
      );
    } catch (err) {
      logRefusal(principal, request.model)(err);
    }
  }

  /** The caller's operation; another principal's operation is reported as not found. */
  async get(principal: string, id: string): Promise<OperationRecord> {
    // A malformed id (not a ULID: `a/b`, `..`, overlong) names nothing: answered at once, without a store read.
    const record = OPERATION_ID_PATTERN.test(id) ? await this.ctx.store.get(id) : undefined;
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
    return this.ctx.store.list(query);
  }

  /**
   * One poll of one operation, for the slot `scheduledFor` (a queue message's; undefined for Veo's own notice,
   * which may poll at any time). Throws only what a retry can fix (the store, publishing the completion event).
   */
  poll(id: string, scheduledFor?: string): Promise<PollEffect> {
    const previous = this.inFlight.get(id);
    const current = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(() =>
      pollOnce(this.ctx, id, scheduledFor),
    );
    this.inFlight.set(id, current);
    return current.finally(() => {
      if (this.inFlight.get(id) === current) this.inFlight.delete(id);
    });
  }

  /** Veo's own completion notice (Vertex pubsubTopic) for the operation it knows by `veoOperationName`. */
  async pollByVeoOperationName(veoOperationName: string): Promise<PollEffect> {
    const record = await this.ctx.store.findByVeoOperationName(veoOperationName);
    return record ? this.poll(record.id) : 'unknown';
  }

  /** Recovers lost poll messages and unpublished completion events; returns how many records were due. */
  sweep(limit = 100): Promise<number> {
    return sweep(this.ctx, limit);
  }

  /** Waits (bounded) for the caller's operation to end, polling only when a poll is due. */
  wait(principal: string, id: string, options: WaitOptions): Promise<WaitResult> {
    return waitFor(
      this.ctx,
      () => this.get(principal, id),
      (opId, slot) => this.poll(opId, slot),
      options,
    );
  }

  /**
   * Cancels the caller's operation. One still waiting in line was never sent: nothing is billed and its seconds come
   * back. One the model accepted is cancelled upstream where the API can (Omni interactions): its seconds come back
   * too. Veo offers no cancel for a generation it accepted: it may still finish and be billed, so its seconds stay
   * counted (budget.ts releaseOnEnding). Either way the operation ends CANCELLED and its outputs are not collected.
   */
  async cancel(
    principal: string,
    id: string,
  ): Promise<{ record: OperationRecord; cancelled: boolean; billed: boolean; upstream?: UpstreamCancel }> {
    const record = await this.get(principal, id);
    if (isTerminal(record.status)) return { record, cancelled: false, billed: false };
    let upstream: UpstreamCancel | undefined;
    if (record.veoOperationName) {
      try {
        upstream = await this.ctx.veo.cancel(record.veoOperationName, record.model);
      } catch (err) {
        // The model's API could not be asked: the operation still ends here, and the result says it may be billed.
        log.warn('Could not cancel a generation upstream', { operationId: id, ...errorFields(err) });
        upstream = 'failed';
      }
    }
    const stopped = upstream === 'cancelled';
    // Decided on the record as the ending's transaction reads it (the last attempt's is the one committed): it may
    // have been sent, or ended by a poll or another cancel, since our read.
    let cancelled = false;
    let billed = false;
    const ending = (current: OperationRecord): Ending | undefined => {
      cancelled = !isTerminal(current.status);
      billed = cancelled && sentToVeo(current) && !stopped;
      if (!cancelled) return undefined;
      const message = stopped
        ? 'Cancelled by the caller; the model stopped the generation.'
        : billed
          ? 'Cancelled by the caller. The model offers no cancel for a generation it accepted (Veo), or could not ' +
            'be asked: Google may still bill it.'
          : 'Cancelled by the caller before it was sent to the model: nothing was billed.';
      return {
        status: 'CANCELLED',
        error: { code: 'CANCELLED', message, retryable: false },
        ...(stopped ? { upstreamCancelled: true } : {}),
      };
    };
    // A QUEUED one may be waiting in line: it gives up its place in the transaction that ends it.
    const ended = await finish(
      this.ctx,
      id,
      ending,
      record.status === 'QUEUED' ? gateKeyOf(record) : undefined,
    );
    return { record: ended ?? record, cancelled, billed, ...(upstream ? { upstream } : {}) };
  }

  /** Each model's pace, line and breaker on this deployment's wire API (list_video_models). */
  async admission(api: WireApi, models: readonly string[]): Promise<Map<string, AdmissionView>> {
    const now = this.ctx.clock.now().getTime();
    const views = await Promise.all(
      models.map(async (model) => {
        const gate = await this.ctx.store.gate(gateKeyOf({ backend: api, model }));
        return [model, admissionView(gate, rateOf(this.ctx.settings.admission, model), now)] as const;
      }),
    );
    return new Map(views);
  }

  /** Whether the model's API serves `model` now (the adapter asks and caches). */
  modelAvailability(model: string): Promise<ModelAvailability> {
    return this.ctx.veo.availability(model);
  }

  /** Signed links to the record's videos (tool results and completion events share this). */
  links(record: OperationRecord): Promise<VideoLink[]> {
    return links(this.ctx, record);
  }
}

/**
 * Logs a spend-limit refusal and rethrows what it is given. Each refused call is logged once, where the facade hands
 * the refusal to its caller: read by the log-based metrics in terraform/monitoring.tf (`limit` is the setting's name).
 */
function logRefusal(principal: string, model?: string) {
  return (err: unknown): never => {
    if (err instanceof LimitExceededError) {
      log.info('Refused by a spend limit', {
        principal,
        ...(model ? { model } : {}),
        limit: err.setting,
        allowed: err.allowed,
        used: err.used,
        cost: err.cost,
      });
    }
    throw err;
  };
}
