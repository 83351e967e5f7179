// Turns what a tool throws into an isError result, as the error-policy table says (errors.ts): AppErrors say what
// was wrong and what is allowed; anything else (and INTERNAL) is logged with detail and answered with a reference.
import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError, errorPolicy } from '../errors.js';
import { logWithReference } from '../log.js';

export function errorResult(err: unknown, tool: string): CallToolResult {
  const policy = errorPolicy(err);
  if (policy.showMessage && err instanceof AppError) {
    const hint = err.retryable ? ' (temporary: retrying later may succeed)' : '';
    return { isError: true, content: [{ type: 'text', text: `${policy.code}: ${err.message}${hint}` }] };
  }
  const reference = logWithReference('Tool failed unexpectedly', err, { tool });
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
