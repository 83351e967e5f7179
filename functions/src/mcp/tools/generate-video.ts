// generate_video: starts a Veo generation (text- or image-to-video) and returns the operation at once; optionally
// waits a bounded time, sending progress notifications when the client asked for them with a progress token.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { EgressOptions } from '../../net/egress.js';
import type { Operations } from '../../operations/index.js';
import { isTerminal, type WireApi } from '../../operations/record.js';
import { strictFields } from '../../video/input-rules.js';
import { GenerateVideoArgsSchema, prepareRequest } from '../../video/request.js';
import { OperationViewSchema, operationResult, viewOperation } from '../operation-view.js';
import { guarded } from '../tool-errors.js';

const inputSchema = strictFields(
  GenerateVideoArgsSchema.extend({
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
  }),
  'generate_video arguments',
);

const outputSchema = OperationViewSchema.extend({
  idempotent_replay: z
    .boolean()
    .describe('True when this call matched an earlier one by idempotency_key and started nothing.'),
  waited_seconds: z.number().describe('How long this call waited for the result.'),
});

/** What generate_video needs: the domain, and the request limits this server applies. */
export interface GenerateToolDeps {
  operations: Operations;
  api: WireApi;
  defaultModel: string;
  maxImageBytes: number;
  /** Rules for fetching https images (net/egress.ts). */
  egress: EgressOptions;
  /** The server's cap on wait_seconds. */
  maxWaitSeconds: number;
}

export function registerGenerateVideoTool(
  server: McpServer,
  deps: GenerateToolDeps,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'generate_video',
    {
      title: 'Generate video',
      description:
        'Start generating a video with Google Veo from a prompt and/or a starting image. Returns operation_id at ' +
        'once (status QUEUED/RUNNING); follow it with get_video_operation, or pass wait_seconds to wait here. ' +
        'Veo bills per second of video: pass an idempotency_key so a retried call never pays twice. ' +
        'See list_video_models for what each model accepts.',
      inputSchema,
      outputSchema,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    guarded('generate_video', async (args, ctx): Promise<CallToolResult> => {
      const { operations } = deps;
      const prepared = await prepareRequest(args, {
        api: deps.api,
        defaultModel: deps.defaultModel,
        maxImageBytes: deps.maxImageBytes,
        egress: deps.egress,
      });
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
          ? `Accepted video generation ${record.id}; it waits for its turn at Veo (${view.queue.reason}).`
          : `Started video generation ${record.id}${view.done ? ` and it finished: ${view.status}` : ''}.`
        : `idempotency_key matched operation ${record.id}: nothing new was started or billed.`;
      const result = operationResult(view, lead);
      result.structuredContent = {
        ...result.structuredContent,
        idempotent_replay: !started.started,
        waited_seconds: waited,
      };
      return result;
    }),
  );
}
