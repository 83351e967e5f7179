// Structured JSON log lines in Cloud Logging's shape (severity, message, extra fields). Never pass secrets or bytes.
// Lines written while serving a traced request or event carry Cloud Logging's trace fields, so the request log and
// the lines it caused are grouped: the HTTP handler and the CloudEvent handlers run their work inside runWithTrace.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const SEVERITY_OF = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
let level: LogLevel = 'info';

export function setLogLevel(next: LogLevel): void {
  level = next;
}

/** The level set last (info until LOG_LEVEL is applied). */
export function logLevel(): LogLevel {
  return level;
}

function write(severity: Severity, message: string, fields?: Record<string, unknown>): void {
  if (rank[severity] < rank[SEVERITY_OF[level]]) return;
  const trace = traceFields.getStore();
  // A field may not replace the line's own severity, message or time (an OperationError spread in has a `message`):
  // it is kept as `detail`.
  const { message: detail, ...rest } = fields ?? {};
  delete rest['severity'];
  delete rest['time'];
  const line = JSON.stringify({
    severity,
    message,
    time: new Date().toISOString(),
    ...trace,
    ...rest,
    ...(detail === undefined ? {} : { detail }),
  });
  (severity === 'ERROR' || severity === 'WARNING' ? process.stderr : process.stdout).write(line + '\n');
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('DEBUG', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('INFO', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('WARNING', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('ERROR', message, fields),
};

export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, errorName: err.name, stack: err.stack };
  return { error: String(err) };
}

/** Logs an unexpected error with its details and returns a reference to quote to the caller instead of them. */
export function logWithReference(message: string, err: unknown, fields?: Record<string, unknown>): string {
  const reference = randomUUID();
  log.error(message, { ...fields, reference, ...errorFields(err) });
  return reference;
}

/** A trace as the platform propagates it: 32 hex digits of trace id, and the calling span when known. */
export interface TraceContext {
  traceId: string;
  /** 16 hex digits. */
  spanId?: string;
  sampled?: boolean;
}

const traceFields = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `fn` so that every line logged inside it, however deep in awaits, carries the trace:
 * `logging.googleapis.com/trace` = projects/PROJECT/traces/TRACE_ID, with the span id and sampled flag. Without a
 * trace, or without a project to name it in, lines carry none.
 */
export function runWithTrace<T>(
  trace: TraceContext | undefined,
  project: string | undefined,
  fn: () => T,
): T {
  if (!trace || !project) return fn();
  return traceFields.run(
    {
      'logging.googleapis.com/trace': `projects/${project}/traces/${trace.traceId}`,
      ...(trace.spanId ? { 'logging.googleapis.com/spanId': trace.spanId } : {}),
      ...(trace.sampled !== undefined ? { 'logging.googleapis.com/trace_sampled': trace.sampled } : {}),
    },
    fn,
  );
}

/** The trace of an HTTP request: the W3C `traceparent` header, else Google's `X-Cloud-Trace-Context`. */
export function traceOfRequest(
  headers: Record<string, string | string[] | undefined>,
): TraceContext | undefined {
  return (
    parseTraceparent(first(headers['traceparent'])) ??
    parseCloudTraceContext(first(headers['x-cloud-trace-context']))
  );
}

/** The trace of a CloudEvent: its `traceparent` extension attribute, when the sender set one. */
export function traceOfEvent(event: Readonly<Record<string, unknown>>): TraceContext | undefined {
  const traceparent = event['traceparent'];
  return parseTraceparent(typeof traceparent === 'string' ? traceparent : undefined);
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const ZEROS = /^0+$/;

/** `00-TRACE_ID(32 hex)-SPAN_ID(16 hex)-FLAGS(2 hex)`; all-zero ids and version ff are invalid. */
function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest) || ZEROS.test(traceId) || ZEROS.test(spanId))
    return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** `TRACE_ID/SPAN_ID;o=OPTIONS`: a 32-hex trace id, a decimal span id (64 bits), o=1 when sampled. */
function parseCloudTraceContext(value: string | undefined): TraceContext | undefined {
  const match = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([0-9]+))?$/.exec(value?.trim() ?? '');
  if (!match || ZEROS.test(match[1]!)) return undefined;
  const span = match[2] ? BigInt(match[2]) : 0n;
  return {
    traceId: match[1]!.toLowerCase(),
    ...(span > 0n && span < 2n ** 64n ? { spanId: span.toString(16).padStart(16, '0') } : {}),
    ...(match[3] !== undefined ? { sampled: (Number(match[3]) & 1) === 1 } : {}),
  };
}
