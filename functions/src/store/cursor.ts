// Opaque pagination cursors: the id of the last record on the page, so pages stay stable as new records arrive.
import { AppError } from '../errors.js';
import { OPERATION_ID_PATTERN } from '../operations/ids.js';

export const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!OPERATION_ID_PATTERN.test(id)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Invalid cursor: ${JSON.stringify(cursor)}. Pass the next_cursor value from a previous list_video_operations result.`,
    );
  }
  return id;
}
