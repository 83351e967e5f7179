// The input rules every entry point shares (the MCP tools and the pipeline request messages): argument objects are
// strict — a field we do not know is refused by name with the list of allowed ones, since a typo in a billed call
// must not be silently dropped — and free text may not carry characters that hide or reorder what a reader sees.
import { z } from 'zod';

// C0 controls except \t and \n, DEL and C1 controls; the Arabic letter mark, LRM/RLM, the bidi embeddings and
// overrides (U+202A-U+202E) and isolates (U+2066-U+2069): the "Trojan Source" characters (CVE-2021-42574).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x0d: 'CARRIAGE RETURN',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
  0x061c: 'ARABIC LETTER MARK',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

/** Why `text` is refused (the first forbidden character, its code point and index), or undefined. */
export function forbiddenCharacter(field: string, text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name =
    NAMES[code] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? 'control character' : 'format');
  return (
    `Invalid ${field}: character ${hex} (${name}) at index ${match.index} (0-based) is not accepted. ` +
    'Control characters other than newline and tab, and bidirectional formatting characters, are refused.'
  );
}

/**
 * A JSON.parse reviver for caller JSON: zod ignores an own `__proto__` key rather than reporting it as unknown, so
 * it is refused while parsing, wherever it appears.
 */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('the key "__proto__" is not accepted');
  return value;
}

/** A string field whose text passes forbiddenCharacter. */
export const plainText = (field: string, schema: z.ZodString = z.string()) =>
  schema.superRefine((text, ctx) => {
    const reason = forbiddenCharacter(field, text);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });

/**
 * The object schema with unknown fields refused: the message names each unknown field and lists the allowed ones;
 * anything that is not an object is refused saying what it is.
 */
export function strictFields<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, what: string) {
  const allowed = Object.keys(schema.shape).join(', ');
  return z.strictObject(schema.shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
        return `Unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${keys} in ${what}. Allowed: ${allowed}.`;
      }
      if (issue.code === 'invalid_type') {
        const got =
          issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input;
        return `${what} must be a JSON object, not ${got}. Allowed fields: ${allowed}.`;
      }
      return undefined;
    },
  });
}
