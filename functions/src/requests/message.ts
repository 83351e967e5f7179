// The request message contract for pipelines: the generate_video arguments plus a required request_id (the
// idempotency key), optional correlation attributes echoed on the completion event, and an optional webhook.
// request-message.schema.json is generated from this schema (npm run schemas), so the two cannot drift.
import { z } from 'zod';
import { plainText, strictFields } from '../video/input-rules.js';
import { GenerateVideoArgsSchema } from '../video/request.js';

const RESERVED = ['event_id', 'type', 'status', 'operation_id', 'request_id'];
const CORRELATION_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const MAX_CORRELATION_ATTRIBUTES = 20;
/** Pub/Sub caps an attribute value at 1024 bytes (https://cloud.google.com/pubsub/quotas#resource_limits). */
const MAX_CORRELATION_VALUE_BYTES = 1024;

// Each value becomes a Pub/Sub attribute of the completion event: one Pub/Sub refuses would keep the event from ever
// publishing, after Veo billed the generation.
const correlationValue = plainText(
  'correlation value',
  z
    .string()
    .max(1024, 'correlation values are at most 1024 characters')
    .superRefine((value, ctx) => {
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > MAX_CORRELATION_VALUE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          message:
            `correlation values are at most ${MAX_CORRELATION_VALUE_BYTES} bytes in UTF-8 (a Pub/Sub attribute ` +
            `limit); this one is ${bytes}`,
        });
      }
    }),
);

/** Whether one correlation entry is one the contract allows (rejections echo only these). */
export const correlationEntryAllowed = (key: string, value: unknown): boolean =>
  CORRELATION_KEY.test(key) && !RESERVED.includes(key) && correlationValue.safeParse(value).success;

export const RequestMessageSchema = strictFields(
  GenerateVideoArgsSchema.extend({
    request_id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, 'request_id may use letters, digits and . _ : - (1-128 characters)')
      .describe(
        'Required. Unique per requested video: every delivery or republish with the same request_id starts at most ' +
          'one Veo job (it is the idempotency key).',
      ),
    correlation: z
      .record(
        z.string().regex(CORRELATION_KEY, 'correlation keys are 1-64 letters, digits, _ . - (letter first)'),
        correlationValue,
      )
      .refine(
        (value) => Object.keys(value).length <= MAX_CORRELATION_ATTRIBUTES,
        `at most ${MAX_CORRELATION_ATTRIBUTES} correlation attributes`,
      )
      .refine((value) => !Object.keys(value).some((key) => RESERVED.includes(key)), {
        message: `correlation keys may not be ${RESERVED.join(', ')}`,
      })
      .optional()
      .describe(
        'Attributes echoed on the completion event, as data and as Pub/Sub attributes for filtering.',
      ),
    webhook_url: z
      .string()
      .url()
      .refine((value) => value.startsWith('https://'), 'webhook_url must be https')
      .optional()
      .describe(
        'HTTPS endpoint that also receives the completion event, signed with HMAC-SHA256 (Veo-Signature).',
      ),
  }),
  'the request message',
);

export type RequestMessage = z.infer<typeof RequestMessageSchema>;

/** The JSON Schema of the contract, as committed in request-message.schema.json. */
export function requestMessageJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://veo-mcp-cloud/schemas/request-message.json',
    title: 'Veo MCP Cloud generation request',
    ...z.toJSONSchema(RequestMessageSchema, { target: 'draft-2020-12', io: 'input' }),
  };
}
