// Structured JSON log lines in Cloud Logging's shape (severity, message, extra fields). Never pass secrets or bytes.
import { randomUUID } from 'node:crypto';

type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
let threshold: Severity = 'INFO';

export function setLogLevel(level: 'debug' | 'info' | 'warn' | 'error'): void {
  threshold = ({ debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const)[level];
}

function write(severity: Severity, message: string, fields?: Record<string, unknown>): void {
  if (rank[severity] < rank[threshold]) return;
  const line = JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields });
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
