// Operation ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32), lower-cased — time-sortable,
// URL-safe, unguessable enough to be no secret and no sequence. Made here from node:crypto (the spec at
// github.com/ulid/spec, checked 2026-12-01) because the domain imports nothing but its own files and node:*.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newOperationId(now: number = Date.now()): string {
  let time = '';
  for (let t = Math.floor(now), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32]! + time;
  const random = randomBytes(16);
  let rest = '';
  for (let i = 0; i < 16; i++) rest += ALPHABET[random[i]! % 32]; // 256 is a multiple of 32: no bias.
  return time + rest;
}

export const OPERATION_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;
