// Operation ids: ULIDs, lower-cased — time-sortable, URL-safe, unguessable enough to be no secret and no sequence.
import { ulid } from 'ulid';

export const newOperationId = (now: number = Date.now()): string => ulid(now).toLowerCase();

export const OPERATION_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;
