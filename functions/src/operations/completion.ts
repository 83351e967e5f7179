// The one finishing path. Every way an operation ends (a poll, Veo's notice, outputs found by reconciling, a failed
// submit, the deadline, a cancel) calls `finish`, whose transaction ends the operation and takes the lease to publish
// its completion event; the lease holder publishes. An event whose publish failed, or whose publisher died, is
// published later by whoever meets the record next: a redelivered poll, an idempotent replay, the sweep.
// Only a crash between publishing and recording it can repeat an event (with the same event id).
import { randomUUID } from 'node:crypto';
import { log } from '../log.js';
import type { OperationsContext } from './context.js';
import type { VideoLink } from './ports.js';
import type { OperationRecord } from './record.js';
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

/**
 * Ends the operation as `ending` says (unless it has ended already) and publishes its completion event.
 * Returns the record as stored. Throws when publishing failed: the event stays due, so a retry publishes it.
 */
export async function finish(
  ctx: OperationsContext,
  id: string,
  ending: Ending,
): Promise<OperationRecord | undefined> {
  const lease = newLease(ctx);
  const stored = await ctx.store.update(id, (current) => finishWith(current, ending, lease, ctx.clock.now()));
  if (!stored) return undefined;
  if (stored.announceToken === lease.token) {
    log.info('Operation finished', { operationId: id, status: stored.status });
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

/** Signed links to the record's videos: the one source for tool results, resources and completion events. */
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
    await ctx.completions.completed(record, await links(ctx, record));
  } catch (err) {
    await ctx.store.update(record.id, (current) => releasePublishLease(current, token, ctx.clock.now()));
    throw err;
  }
  const published = await ctx.store.update(record.id, (current) =>
    markPublished(current, token, ctx.clock.now()),
  );
  return published ?? record;
}

function newLease(ctx: OperationsContext): PublishLease {
  return { token: randomUUID(), until: new Date(ctx.clock.now().getTime() + PUBLISH_LEASE_SECONDS * 1000) };
}
