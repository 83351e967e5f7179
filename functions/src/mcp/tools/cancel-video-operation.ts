// cancel_video_operation: ends one of the caller's operations CANCELLED. A generation still waiting in line was never
// sent: nothing is billed and its seconds come back. A started Omni interaction is cancelled upstream, and its seconds
// come back too. Veo has no cancel for a generation it accepted: it runs on and Google bills it, so the result says so
// and its seconds stay counted. Either way polling stops and its outputs are not collected.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { Operations } from '../../operations/index.js';
import { OperationViewSchema, operationResult, viewOperation } from '../operation-view.js';
import { strictFields } from '../../video/input-rules.js';
import { guarded } from '../tool-errors.js';

const inputSchema = strictFields(
  z.object({ operation_id: z.string().describe('The operation_id returned by generate_video.') }),
  'cancel_video_operation arguments',
);

const outputSchema = OperationViewSchema.extend({
  cancelled: z
    .boolean()
    .describe('True when this call ended the operation; false when it had ended already.'),
  upstream: z
    .enum(['cancelled', 'finished', 'unsupported', 'failed', 'not_sent'])
    .optional()
    .describe(
      "What the model's API did: cancelled (Omni stopped it), finished (it had already finished at Google and may " +
        'be billed), unsupported (Veo has no cancel), failed (it could not be asked), not_sent (it never reached ' +
        'the model).',
    ),
  billing: z
    .enum(['not_billed', 'may_be_billed', 'unchanged'])
    .describe(
      'not_billed: it was never sent, or the model stopped it (Omni), and its seconds are back in your budget; ' +
        'may_be_billed: Veo had accepted it and cannot cancel it (or the model could not be asked), so Google may ' +
        'bill it and its seconds stay counted; unchanged: it had ended already.',
    ),
});

export function registerCancelVideoOperationTool(
  server: McpServer,
  operations: Operations,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'cancel_video_operation',
    {
      title: 'Cancel video operation',
      description:
        'Cancel a generation: it ends CANCELLED and is no longer followed. One still waiting for its turn (QUEUED) ' +
        'is never sent and costs nothing; a running Gemini Omni generation is stopped at Google and costs nothing ' +
        'more. Veo cannot cancel a generation it has accepted: Google may still bill it, and the result says so. ' +
        'An operation that has ended is left as it is.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('cancel_video_operation', async ({ operation_id }) => {
      const outcome = await operations.cancel(principal, operation_id);
      const { record } = outcome;
      const view = viewOperation(record, await operations.links(record));
      const lead = !outcome.cancelled
        ? `Operation ${record.id} had already ended ${record.status}; nothing was cancelled.`
        : outcome.upstream === 'cancelled'
          ? `Cancelled operation ${record.id}: ${record.model} stopped the generation, and its seconds are back in your budget.`
          : outcome.billed
            ? `Cancelled operation ${record.id}. ${
                outcome.upstream === 'failed'
                  ? `${record.model} could not be asked to stop it`
                  : outcome.upstream === 'finished'
                    ? `${record.model} had already finished it`
                    : 'Veo had already accepted it and offers no cancel'
              }: Google may still bill the generation, so its seconds stay counted against your daily limits; its video will not be collected.`
            : `Cancelled operation ${record.id} before it was sent to the model: nothing was billed, and its seconds are back in your budget.`;
      const result = operationResult(view, lead);
      result.structuredContent = {
        ...result.structuredContent,
        cancelled: outcome.cancelled,
        ...(outcome.cancelled ? { upstream: outcome.upstream ?? 'not_sent' } : {}),
        billing: !outcome.cancelled ? 'unchanged' : outcome.billed ? 'may_be_billed' : 'not_billed',
      };
      return result;
    }),
  );
}
