// Captures the structured log lines (functions/src/log.ts) written to stdout and stderr while a function runs, and
// keeps them off the terminal. Anything else written meanwhile (the test runner's own output) passes through.

import { logLevel, setLogLevel, type LogLevel } from '../../functions/src/log.js';

export type LogLine = Record<string, unknown>;

export interface CapturedLogs<T> {
  /** What the function returned; for a promise, one that settles after capturing has stopped. */
  result: T;
  /** Parsed log lines, in order; complete once `result` has settled. */
  lines: LogLine[];
}

/**
 * Runs `fn` at `level`, by default the deployed default, INFO, whatever level an earlier runtime in this process set
 * (files share a process in npm test's lanes), and restores that level after.
 */
export function captureLogs<T>(fn: () => T, level: LogLevel = 'info'): CapturedLogs<T> {
  const before = logLevel();
  setLogLevel(level);
  const lines: LogLine[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, i) => {
    const original = originals[i]!;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const line = typeof chunk === 'string' ? parseLogLine(chunk) : undefined;
      if (line) {
        lines.push(line);
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  const restore = () => {
    streams.forEach((stream, i) => (stream.write = originals[i]!));
    setLogLevel(before);
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return { result: result.finally(restore) as T, lines };
  restore();
  return { result, lines };
}

function parseLogLine(text: string): LogLine | undefined {
  if (!text.startsWith('{"severity":')) return undefined;
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return undefined;
  }
}
