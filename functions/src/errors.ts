// The AppError family: a stable code, a message written for the caller, and whether retrying can help.
// Tools throw these; the MCP layer turns them into isError results, the poller decides ack vs. retry from `retryable`.

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UPSTREAM'
  | 'INTERNAL';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

export const invalidArgument = (field: string, value: unknown, allowed: string): AppError =>
  new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${describeValue(value)}. ${allowed}`);

export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return JSON.stringify(value) ?? String(value);
}
