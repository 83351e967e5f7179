// get_video_operation: status of one of the caller's operations; when done, signed links to the videos.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { Operations } from '../../operations/index.js';
import { OperationViewSchema, operationResult, viewOperation } from '../operation-view.js';
import { strictFields } from '../../video/input-rules.js';
import { guarded } from '../tool-errors.js';

// No length or pattern check here: a malformed id names no operation and is answered NOT_FOUND like any unknown
// one, before the store is read (Operations.get).
const inputSchema = strictFields(
  z.object({ operation_id: z.string().describe('The operation_id returned by generate_video.') }),
  'get_video_operation arguments',
);

export function registerGetVideoOperationTool(
  server: McpServer,
  operations: Operations,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'get_video_operation',
    {
      title: 'Get video operation',
      description:
        'Status of a video generation started with generate_video. When SUCCEEDED, returns one resource_link per ' +
        'video with a signed download URL (also listed in the text and in structuredContent.videos). ' +
        'FILTERED means Veo safety filters removed the output; FAILED and EXPIRED carry an error.',
      inputSchema,
      outputSchema: OperationViewSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('get_video_operation', async ({ operation_id }) => {
      const record = await operations.get(principal, operation_id);
      const view = viewOperation(record, await operations.links(record));
      return operationResult(
        view,
        view.done ? `Operation ${view.status}.` : `Operation still ${view.status}.`,
      );
    }),
  );
}
