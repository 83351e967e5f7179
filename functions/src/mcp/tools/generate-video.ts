// generate_video: starts a Veo generation (text- or image-to-video) and returns the operation at once; optionally
// waits a bounded time, sending progress notifications when the client asked for them with a progress token.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { isTerminal, type OperationRecord } from '../../operations/record.js';
import type { Runtime } from '../../runtime.js';
import { GenerateVideoArgsSchema, prepareRequest } from '../../veo/request.js';
import { OperationViewSchema, operationResult, viewOperation } from '../operation-view.js';
import { guarded } from '../tool-errors.js';

const TICK_MS = 1000;

const inputSchema = GenerateVideoArgsSchema.extend({
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

const outputSchema = OperationViewSchema.extend({
  idempotent_replay: z
    .boolean()
    .describe('True when this call matched an earlier one by idempotency_key and started nothing.'),
  waited_seconds: z.number().describe('How long this call waited for the result.'),
});

export function registerGenerateVideoTool(
  server: McpServer,
  runtime: Runtime,
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
      const { config, operations } = runtime;
      const prepared = await prepareRequest(args, {
        api: config.veo.api,
        defaultModel: config.veo.defaultModel,
        maxImageBytes: config.maxImageBytes,
      });
      const started = await operations.start({
        principal,
        request: prepared.request,
        image: prepared.image,
        idempotencyKey: args.idempotency_key,
        estimatedCostUsd: prepared.estimatedCostUsd,
      });

      const waitSeconds = Math.min(args.wait_seconds ?? 0, config.maxWaitSeconds);
      const startedAt = Date.now();
      let record = started.record;
      if (waitSeconds > 0 && !isTerminal(record.status)) {
        record = await waitForCompletion(runtime, principal, record, waitSeconds, {
          signal: ctx.mcpReq.signal,
          progress: async (elapsed, message) => {
            const token = ctx.mcpReq._meta?.progressToken;
            if (token === undefined) return;
            await ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: { progressToken: token, progress: elapsed, total: waitSeconds, message },
            });
          },
        });
      }
      const view = await viewOperation(runtime, record);
      const lead = started.started
        ? `Started video generation ${record.id}${view.done ? ` and it finished: ${view.status}` : ''}.`
        : `idempotency_key matched operation ${record.id}: nothing new was started or billed.`;
      const result = operationResult(view, lead);
      result.structuredContent = {
        ...result.structuredContent,
        idempotent_replay: !started.started,
        waited_seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      };
      return result;
    }),
  );
}

interface WaitHooks {
  signal: AbortSignal;
  progress: (elapsedSeconds: number, message: string) => Promise<void>;
}

/**
 * Polls the operation itself (this instance may be the only one awake) at the configured interval, without
 * disturbing the queue's poll chain, until it is final, the wait is over, or the client goes away.
 */
async function waitForCompletion(
  runtime: Runtime,
  principal: string,
  initial: OperationRecord,
  waitSeconds: number,
  hooks: WaitHooks,
): Promise<OperationRecord> {
  const { operations, config } = runtime;
  const start = Date.now();
  const deadline = start + waitSeconds * 1000;
  let record = initial;
  let lastPoll = start;
  while (!isTerminal(record.status) && Date.now() < deadline && !hooks.signal.aborted) {
    await delay(Math.min(TICK_MS, deadline - Date.now()), hooks.signal);
    const elapsed = Math.round((Date.now() - start) / 1000);
    if (Date.now() - lastPoll >= config.poll.intervalSeconds * 1000) {
      lastPoll = Date.now();
      await operations.poll(record.id, { schedule: false });
    }
    record = await operations.get(principal, record.id);
    await hooks.progress(elapsed, `${record.status}: ${elapsed}s of up to ${waitSeconds}s`);
  }
  return record;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
