// What the peer-named tool families (tools/compat-genmedia.ts, tools/compat-media-gen.ts; COMPAT_TOOLS) share. They
// run the same preparation and start as generate_video / extend_video; only names differ. So a refusal raised by the
// shared checks (which name our fields) is re-worded with the peer's parameter names, and a peer parameter this
// server accepts but cannot honour is reported in the result (compat_notes), never dropped silently.
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import type { PreparedRequest } from '../video/request.js';
import { StartResultSchema } from './start-generation.js';
import { guarded } from './tool-errors.js';

/** Our field name → the peer's parameter name, for the fields one tool maps. */
export type PeerNames = Record<string, string>;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The error with our field names replaced by the peer's. Every refusal of the shared checks starts "Invalid FIELD:"
 * (or "Invalid FIELD[n]:"), which is renamed for every mapped field; snake_case names (duration_seconds, last_frame)
 * are renamed wherever they appear, since they cannot be ordinary words. Plain words such as "image" in the prose
 * are left alone.
 */
export function inPeerTerms(err: unknown, names: PeerNames): unknown {
  if (!(err instanceof AppError)) return err;
  let message = err.message;
  const lead = /^Invalid ([a-z_]+)(?=[:[ ])/.exec(message);
  const leadName = lead && names[lead[1]!];
  if (lead && leadName) message = `Invalid ${leadName}${message.slice(lead[0].length)}`;
  const snake = Object.keys(names)
    .filter((name) => name.includes('_'))
    .sort((a, b) => b.length - a.length);
  if (snake.length > 0) {
    const pattern = new RegExp(`(?<![\\w-])(${snake.map(escape).join('|')})(?![\\w-])`, 'g');
    message = message.replace(pattern, (name) => names[name] ?? name);
  }
  return message === err.message ? err : new AppError(err.code, message, err.retryable);
}

/** guarded (tool-errors.ts), with refusals worded in the peer's parameter names. */
export function peerGuarded<A extends unknown[]>(
  tool: string,
  names: PeerNames,
  body: (...args: A) => Promise<CallToolResult>,
): (...args: A) => Promise<CallToolResult> {
  return guarded(tool, async (...args: A) => {
    try {
      return await body(...args);
    } catch (err) {
      throw inPeerTerms(err, names);
    }
  });
}

export const CompatNotesSchema = z
  .array(z.string())
  .optional()
  .describe('Peer parameters this server accepted but does not honour, and why (present only when any).');

/** The result of the peer tools that start an operation: generate_video's, plus the notes. */
export const CompatStartResultSchema = StartResultSchema.extend({ compat_notes: CompatNotesSchema });

/** Adds `notes` to the result: a line each in the text, and structuredContent.compat_notes. */
export function withNotes(result: CallToolResult, notes: string[]): CallToolResult {
  if (notes.length === 0) return result;
  const [first, ...rest] = result.content;
  const lines = notes.map((note) => `note: ${note}`).join('\n');
  return {
    ...result,
    content:
      first?.type === 'text'
        ? [{ ...first, text: `${first.text}\n${lines}` }, ...rest]
        : [{ type: 'text', text: lines }, ...result.content],
    structuredContent: {
      ...(result.structuredContent as Record<string, unknown> | undefined),
      compat_notes: notes,
    },
  };
}

/** A refusal raised by a peer tool itself, naming the peer's parameter. */
export const refuse = (field: string, why: string): AppError =>
  new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${why}`);

/**
 * The peers' generation parameters an extension does not take here: one video per extension, and no
 * person_generation (extend_video passes none). `fields` holds them under the peer's names; refused when given.
 */
export function extensionOnly(fields: Record<string, number | string | undefined>): void {
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'number') {
      if (value !== 1)
        throw refuse(field, `${value}. An extension makes one video; omit ${field} or pass 1.`);
    } else {
      throw refuse(field, `an extension takes no ${field} here; omit it.`);
    }
  }
}

/** The prepared extension, if aspect_ratio is not given or is the input video's (which an extension keeps). */
export function sameAspect(given: string | undefined, prepared: PreparedRequest): PreparedRequest {
  if (given !== undefined && given !== prepared.request.aspectRatio) {
    throw refuse(
      'aspect_ratio',
      `${JSON.stringify(given)}. The extension keeps the input video's aspect ratio ` +
        `(${prepared.request.aspectRatio}); omit aspect_ratio or pass that.`,
    );
  }
  return prepared;
}
