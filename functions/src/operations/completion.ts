// The one finishing path. Every way an operation ends (a poll, Veo's notice, outputs found by reconciling, a failed
// submit, the deadline, a cancel) calls `finish`, whose transaction ends the operation and takes the lease to publish
// its completion event; the lease holder publishes. An event whose publish failed, or whose publisher died, is
// published later by whoever meets the record next: a redelivered poll, an idempotent replay, the sweep.
// Only a crash between publishing and recording it can repeat an event (with the same event id).
// The same transaction gives back the operation's running slot, and its reserved seconds when it ended without
// output (budget.ts releaseOnEnding): an operation ends once, so this happens once.
import { randomUUID } from 'node:crypto';
import { errorFields, log } from '../log.js';
import { releaseOnEnding } from './budget.js';
import type { OperationsContext } from './context.js';
import type { VideoLink } from './ports.js';
import type { OperationRecord } from './record.js';
import { leaveLine } from './gate.js';
import {
  finishWith,
  markPublished,
  needsPublish,
  releasePublishLease,
  takePublishLease,
  type Ending,
  type PublishLease,
} from './state.js';

/** How long a publisher may hold the lease before another instance may take it over. */
export const PUBLISH_LEASE_SECONDS = 60;
/** A publish still pending after this is given up (and retried later), well inside the lease. */
export const PUBLISH_TIMEOUT_SECONDS = 40;

/**
 * Ends the operation as `ending` says (unless it has ended already) and publishes its completion event.
 * Returns the record as stored. Throws when publishing failed: the event stays due, so a retry publishes it.
 */
export async function finish(
  ctx: OperationsContext,
  id: string,
  /**
   * How it ends, or how it ends given the record as the ending's transaction reads it (undefined: that record is
   * not to be ended after all).
   */
  ending: Ending | ((current: OperationRecord) => Ending | undefined),
  /** The record's gate, when it may be waiting in line: it leaves the line in the ending's transaction. */
  lineOf?: string,
): Promise<OperationRecord | undefined> {
  const lease = newLease(ctx);
  const end = (current: OperationRecord) => {
    const how = typeof ending === 'function' ? ending(current) : ending;
    return how && finishWith(current, how, lease, ctx.clock.now());
  };
  const stored = lineOf
    ? (
        await ctx.store.dispatch(id, lineOf, (current, gate) => {
          const ended = end(current);
          if (!ended) return undefined;
          return { record: ended, gate: leaveLine(gate, id), release: releaseOnEnding(current, ended) };
        })
      )?.record
    : await ctx.store.update(id, end, releaseOnEnding);
  if (!stored) return undefined;
  if (stored.announceToken === lease.token) {
    // Outcomes by status and the time from the caller's request to the ending: read by the log-based metrics in
    // terraform/monitoring.tf (test/unit/terraform-monitoring.test.ts checks the fields).
    log.info('Operation finished', {
      operationId: id,
      status: stored.status,
      model: stored.model,
      elapsedSeconds: secondsBetween(stored.createdAt, stored.completedAt),
      ...(stored.error ? { errorCode: stored.error.code } : {}),
    });
    return publishLeased(ctx, stored, lease.token);
  }
  // It had ended already (another delivery won): make sure that ending's event is out.
  return publishPending(ctx, stored);
}

/** Publishes the event of a terminal record whose event is not out, unless another instance holds the lease. */
export async function publishPending(
  ctx: OperationsContext,
  record: OperationRecord,
): Promise<OperationRecord> {
  if (!needsPublish(record)) return record;
  const lease = newLease(ctx);
  const leased = await ctx.store.update(record.id, (current) =>
    takePublishLease(current, lease, ctx.clock.now()),
  );
  if (!leased || leased.announceToken !== lease.token) return leased ?? record;
  return publishLeased(ctx, leased, lease.token);
}

/** Signed links to the record's videos: the one source for tool results and completion events. */
export function links(ctx: OperationsContext, record: OperationRecord): Promise<VideoLink[]> {
  const ttl = ctx.settings.signedUrlTtlSeconds;
  return Promise.all(
    record.outputs.map(async (output) => {
      const signed = await ctx.blobs.signedUrl(output.uri, ttl);
      return {
        uri: output.uri,
        url: signed.url,
        expiresAt: signed.expiresAt,
        mimeType: output.mimeType,
        bytes: output.bytes,
      };
    }),
  );
}

async function publishLeased(
  ctx: OperationsContext,
  record: OperationRecord,
  token: string,
): Promise<OperationRecord> {
  try {
    await withTimeout(ctx, ctx.completions.completed(record, await links(ctx, record)));
  } catch (err) {
    try {
      await ctx.store.update(record.id, (current) => releasePublishLease(current, token, ctx.clock.now()));
    } catch (releaseErr) {
      // The lease lapses by itself; the publish error is the one to report.
      log.warn('Could not give back a publish lease', { operationId: record.id, ...errorFields(releaseErr) });
    }
    throw err;
  }
  const published = await ctx.store.update(record.id, (current) =>
    markPublished(current, token, ctx.clock.now()),
  );
  if (published?.announceToken !== token) {
    // Our lease lapsed while publishing and another instance took it over: its event repeats ours (same event_id).
    log.warn('Publish lease lost during a publish; the completion event may be delivered twice', {
      operationId: record.id,
    });
  }
  return published ?? record;
}

/**
 * Gives up on a publish that has not answered within PUBLISH_TIMEOUT_SECONDS, so it cannot outlive its lease and
 * land after another instance has taken the lease over. (The publish itself may still land later: then the event
 * repeats with the same event_id, as after a crash.)
 */
async function withTimeout(ctx: OperationsContext, publish: Promise<void>): Promise<void> {
  const stop = new AbortController();
  const timeout = ctx.clock.sleep(PUBLISH_TIMEOUT_SECONDS * 1000, stop.signal).then(() => {
    if (!stop.signal.aborted) {
      throw new Error(`Publishing the completion event took over ${PUBLISH_TIMEOUT_SECONDS} s`);
    }
  });
  try {
    await Promise.race([publish, timeout]);
  } finally {
    stop.abort();
  }
}

/** Whole seconds from `from` to `to` (ISO times); 0 when either is missing. */
const secondsBetween = (from: string, to: string | undefined): number =>
  to ? Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000)) : 0;

function newLease(ctx: OperationsContext): PublishLease {
  return { token: randomUUID(), until: new Date(ctx.clock.now().getTime() + PUBLISH_LEASE_SECONDS * 1000) };
}
