// Fingerprint of a normalized request: the same idempotency key must come with the same arguments.
import { createHash } from 'node:crypto';
import type { VideoRequest } from './record.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export const hashRequest = (request: VideoRequest): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
