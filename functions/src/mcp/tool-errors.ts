// Turns what a tool throws into an isError result: AppErrors say what was wrong and what is allowed; anything
// unexpected is logged with detail and answered without it.
import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import { errorFields, log } from '../log.js';

export function errorResult(err: unknown, tool: string): CallToolResult {
  if (err instanceof AppError) {
    const hint = err.retryable ? ' (temporary: retrying later may succeed)' : '';
    return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}${hint}` }] };
  }
  const reference = randomUUID();
  log.error('Tool failed unexpectedly', { tool, reference, ...errorFields(err) });
  return {
    isError: true,
    content: [{ type: 'text', text: `INTERNAL: ${tool} failed unexpectedly (reference ${reference}).` }],
  };
}

/** Wraps a tool body so every failure becomes a well-formed isError result. */
export function guarded<A extends unknown[]>(
  tool: string,
  body: (...args: A) => Promise<CallToolResult>,
): (...args: A) => Promise<CallToolResult> {
  return async (...args: A) => {
    try {
      return await body(...args);
    } catch (err) {
      return errorResult(err, tool);
    }
  };
}
