// The AppError family: a stable code, a message written for the caller, and whether retrying can help; and the one
// error-policy table saying what each code means at each edge: the HTTP status and JSON-RPC code it is answered
// with, whether a tool result shows its message, and what a Pub/Sub handler does when it is permanent.

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'LIMIT_EXCEEDED'
  | 'DEADLINE_EXCEEDED'
  | 'UPSTREAM'
  | 'INTERNAL';

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, retryable = false) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

/** JSON-RPC 2.0 error codes we answer with. */
export const JSON_RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

/**
 * What a Pub/Sub handler does with a failure:
 * - `retry`: rethrow, so Pub/Sub redelivers the message (with backoff, then to the dead-letter topic);
 * - `reject`: the message itself is at fault; acknowledge it and say why (the requests function publishes a
 *   `request.rejected` event; the poller logs it);
 * - `record`: the work failed for good and the domain has recorded that on the operation (FAILED, with its
 *   completion event); acknowledge it.
 */
export type PubSubDisposition = 'retry' | 'reject' | 'record';

export interface ErrorPolicy {
  /** HTTP status when the error answers an HTTP request. */
  httpStatus: number;
  /** JSON-RPC error code when the error answers a JSON-RPC request outside a tool result. */
  jsonRpcCode: number;
  /** Whether the message is shown to the caller; otherwise it is logged and the caller gets a reference. */
  showMessage: boolean;
  /** What a Pub/Sub handler does when the error is not retryable (a retryable one is always redelivered). */
  whenPermanent: Exclude<PubSubDisposition, 'retry'>;
}

const { INVALID_PARAMS, INVALID_REQUEST, INTERNAL_ERROR } = JSON_RPC;
const policy = (
  httpStatus: number,
  jsonRpcCode: number,
  whenPermanent: ErrorPolicy['whenPermanent'],
  showMessage = true,
): ErrorPolicy => ({ httpStatus, jsonRpcCode, showMessage, whenPermanent });

/** HTTP status as Google APIs map these codes; INTERNAL alone keeps its message from the caller. */
export const ERROR_POLICY: Readonly<Record<ErrorCode, ErrorPolicy>> = {
  INVALID_ARGUMENT: policy(400, INVALID_PARAMS, 'reject'),
  UNAUTHENTICATED: policy(401, INVALID_REQUEST, 'reject'),
  PERMISSION_DENIED: policy(403, INVALID_REQUEST, 'reject'),
  NOT_FOUND: policy(404, INVALID_REQUEST, 'reject'),
  ALREADY_EXISTS: policy(409, INVALID_PARAMS, 'reject'),
  FAILED_PRECONDITION: policy(400, INVALID_REQUEST, 'reject'),
  RESOURCE_EXHAUSTED: policy(429, INTERNAL_ERROR, 'record'),
  // One of our spend limits refused the caller (operations/budget.ts): their request, refused before anything was
  // created, so a pipeline gets a rejection event.
  LIMIT_EXCEEDED: policy(429, INVALID_REQUEST, 'reject'),
  DEADLINE_EXCEEDED: policy(504, INTERNAL_ERROR, 'record'),
  UPSTREAM: policy(502, INTERNAL_ERROR, 'record'),
  INTERNAL: policy(500, INTERNAL_ERROR, 'record', false),
};

/**
 * The policy for anything thrown. An AppError with a code the table does not know (a cast, a record read back from
 * the store) and any other throw are treated as INTERNAL: details are logged, never shown.
 */
export function errorPolicy(err: unknown): ErrorPolicy & { code: ErrorCode } {
  const code = err instanceof AppError && Object.hasOwn(ERROR_POLICY, err.code) ? err.code : 'INTERNAL';
  return { code, ...ERROR_POLICY[code] };
}

/**
 * Ack or retry for a Pub/Sub handler. A retryable AppError is redelivered; a permanent one follows its code's
 * policy. Anything that is not an AppError is unexpected — most often the store or Pub/Sub failing — and is
 * redelivered: the subscription's retry policy and dead-letter topic bound the attempts.
 */
export function pubsubDisposition(err: unknown): PubSubDisposition {
  if (!(err instanceof AppError)) return 'retry';
  if (err.retryable) return 'retry';
  return errorPolicy(err).whenPermanent;
}

export const invalidArgument = (field: string, value: unknown, allowed: string): AppError =>
  new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${describeValue(value)}. ${allowed}`);

/** A URL's `user:password@` part: a credential, which a value echoed in a message never carries. */
const URL_CREDENTIALS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/;

export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // Echoed values reach results, logs and pipelines' rejection events (one topic for every pipeline).
    const text = value.replace(URL_CREDENTIALS, '$1<credentials>@');
    return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  }
  return JSON.stringify(value) ?? String(value);
}
