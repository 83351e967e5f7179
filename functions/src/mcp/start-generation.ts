// What generate_video, extend_video and edit_video share once a request is prepared: the idempotency and wait
// arguments, starting the operation, the bounded wait with progress notifications, and the result.
import { z } from 'zod';
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import type { EgressOptions } from '../net/egress.js';
import type { Operations } from '../operations/index.js';
import { isTerminal, type WireApi } from '../operations/record.js';
import type { PreparedRequest } from '../video/request.js';
import { OperationViewSchema, operationResult, viewOperation, type OperationView } from './operation-view.js';

/** The arguments every starting tool takes besides the generation's own. */
export const StartArgsSchema = z.object({
  idempotency_key: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, 'idempotency_key may use letters, digits and . _ : - (1-128 characters)')
    .optional()
    .describe(
      'Any string unique to this request. Repeating a call with the same key and arguments returns the same ' +
        'operation and starts (and bills) nothing; the same key with other arguments is an error.',
    ),
  wait_seconds: z
    .number()
    .int()
    .min(0, 'wait_seconds must be between 0 and 600')
    .max(600, 'wait_seconds must be between 0 and 600')
    .optional()
    .describe('Wait up to this long for the result before returning (capped by the server; default 0).'),
});

/**
 * What every starting tool declares (ours and the peer names): it starts billed work at Google (open world), changes
 * nothing it was given, and a repeated call starts another generation unless it carries the same idempotency_key.
 */
export const START_ANNOTATIONS = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const;

export const StartResultSchema = OperationViewSchema.extend({
  idempotent_replay: z
    .boolean()
    .describe('True when this call matched an earlier one by idempotency_key and started nothing.'),
  waited_seconds: z.number().describe('How long this call waited for the result.'),
});

/** What the starting tools need: the domain, and the request limits this server applies. */
export interface GenerateToolDeps {
  operations: Operations;
  api: WireApi;
  defaultModel: string;
  maxImageBytes: number;
  /** Rules for fetching https images and videos (net/egress.ts). */
  egress: EgressOptions;
  /** The server's cap on wait_seconds. */
  maxWaitSeconds: number;
  /** This deployment's own storage (gs://OUTPUT_BUCKET/), refused as an image source. */
  ownStorage?: string;
}

/** Starts the prepared generation (idempotently), waits as asked, and returns the operation. */
export async function startGeneration(
  deps: GenerateToolDeps,
  principal: string,
  prepared: PreparedRequest,
  args: z.infer<typeof StartArgsSchema>,
  ctx: ServerContext,
  what = 'video generation',
): Promise<CallToolResult> {
  const { operations } = deps;
  const started = await operations.start({
    principal,
    request: prepared.request,
    inputs: prepared.inputs,
    idempotencyKey: args.idempotency_key,
    estimatedCostUsd: prepared.estimatedCostUsd,
  });

  const waitSeconds = Math.min(args.wait_seconds ?? 0, deps.maxWaitSeconds);
  let record = started.record;
  let waited = 0;
  if (waitSeconds > 0 && !isTerminal(record.status)) {
    const token = ctx.mcpReq._meta?.progressToken;
    ({ record, waitedSeconds: waited } = await operations.wait(principal, record.id, {
      maxMs: waitSeconds * 1000,
      signal: ctx.mcpReq.signal,
      onTick: async (elapsed, current) => {
        if (token === undefined) return;
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: {
            progressToken: token,
            progress: elapsed,
            total: waitSeconds,
            message: `${current.status}: ${elapsed}s of up to ${waitSeconds}s`,
          },
        });
      },
    }));
  }
  const view = viewOperation(record, await operations.links(record));
  const lead = started.started
    ? view.queue
      ? `Accepted ${what} ${record.id}; it waits for its turn at ${record.model} (${view.queue.reason}).`
      : `Started ${what} ${record.id}${view.done ? ` and it finished: ${view.status}` : ''}.`
    : `idempotency_key matched operation ${record.id}: nothing new was started or billed.`;
  return startResult(view, lead, { replay: !started.started, waited });
}

/** A starting tool's result (StartResultSchema): the operation, whether the call replayed one, how long it waited. */
export function startResult(
  view: OperationView,
  lead: string,
  call: { replay: boolean; waited: number },
): CallToolResult {
  const result = operationResult(view, lead);
  result.structuredContent = {
    ...result.structuredContent,
    idempotent_replay: call.replay,
    waited_seconds: call.waited,
  };
  return result;
}
