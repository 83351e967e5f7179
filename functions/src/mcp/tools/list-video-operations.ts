// list_video_operations: the caller's own operations, newest first, optionally by status, with cursor pagination.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { Operations } from '../../operations/index.js';
import { BACKENDS, backendOf, OPERATION_STATUSES } from '../../operations/record.js';
import { strictFields } from '../../video/input-rules.js';
import { estimatedCostOf } from '../operation-view.js';
import { guarded } from '../tool-errors.js';

const SummarySchema = z.object({
  operation_id: z.string(),
  status: z.enum(OPERATION_STATUSES),
  backend: z.enum(BACKENDS),
  model: z.string(),
  prompt: z.string().optional().describe('First 200 characters of the prompt.'),
  video_count: z.number(),
  estimated_cost_usd: z
    .number()
    .describe('List-price estimate for this request; simulator runs cost nothing.'),
  created_at: z.string(),
  completed_at: z.string().optional(),
});

const inputSchema = strictFields(
  z.object({
    status: z
      .enum(OPERATION_STATUSES, {
        error: (issue) =>
          `Invalid status ${JSON.stringify(issue.input)}: allowed ${OPERATION_STATUSES.join(', ')}`,
      })
      .optional()
      .describe('Only operations in this status.'),
    limit: z
      .number()
      .int()
      .min(1, 'limit must be between 1 and 100')
      .max(100, 'limit must be between 1 and 100')
      .optional()
      .describe('Page size, 1-100 (default 20).'),
    cursor: z.string().max(200).optional().describe('next_cursor from the previous page.'),
  }),
  'list_video_operations arguments',
);

const outputSchema = z.object({
  operations: z.array(SummarySchema),
  next_cursor: z.string().optional().describe('Pass as cursor for the next page; absent on the last page.'),
});

export function registerListVideoOperationsTool(
  server: McpServer,
  operations: Operations,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'list_video_operations',
    {
      title: 'List video operations',
      description:
        'Your video generations, newest first. Filter by status; page with limit and the next_cursor of the previous ' +
        "page. Call get_video_operation for links to an operation's videos.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('list_video_operations', async ({ status, limit, cursor }) => {
      const page = await operations.list({ principal, status, limit: limit ?? 20, cursor });
      const summaries = page.records.map((r) => ({
        operation_id: r.id,
        status: r.status,
        backend: backendOf(r),
        model: r.model,
        prompt: r.request.prompt?.slice(0, 200),
        video_count: r.outputs.length,
        estimated_cost_usd: estimatedCostOf(r),
        created_at: r.createdAt,
        completed_at: r.completedAt,
      }));
      const text =
        summaries.length === 0
          ? `No operations${status ? ` with status ${status}` : ''}.`
          : summaries
              .map(
                (o) =>
                  `${o.operation_id} ${o.status} ${o.model} ${o.created_at} ~$${o.estimated_cost_usd.toFixed(2)} ${JSON.stringify(o.prompt ?? '')}`,
              )
              .join('\n') + (page.nextCursor ? `\nMore: pass cursor "${page.nextCursor}".` : '');
      return {
        content: [{ type: 'text', text }],
        structuredContent: { operations: summaries, next_cursor: page.nextCursor },
      };
    }),
  );
}
