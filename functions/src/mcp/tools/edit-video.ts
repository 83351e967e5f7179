// edit_video: a new turn on a Gemini Omni result — "make it night", "add a dog" — by the same model, continuing its
// interaction (previous_interaction_id). Each edit is a new operation in the original's lineage, billed for the
// length of the video it changes; chains of edits follow one another like chat turns.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { prepareEdit } from '../../video/continue.js';
import { strictFields } from '../../video/input-rules.js';
import { GenerateVideoArgsSchema } from '../../video/request.js';
import {
  START_ANNOTATIONS,
  StartArgsSchema,
  StartResultSchema,
  startGeneration,
  type GenerateToolDeps,
} from '../start-generation.js';
import { guarded } from '../tool-errors.js';

const inputSchema = strictFields(
  z
    .object({
      operation_id: z
        .string()
        .describe('The Gemini Omni operation to edit: one of yours that SUCCEEDED (or an earlier edit).'),
      prompt: GenerateVideoArgsSchema.shape.prompt.describe(
        'The change to make, e.g. "make it night and add falling snow". Required.',
      ),
      resolution: GenerateVideoArgsSchema.shape.resolution,
      reference_images: GenerateVideoArgsSchema.shape.reference_images,
    })
    .extend(StartArgsSchema.shape),
  'edit_video arguments',
);

export function registerEditVideoTool(
  server: McpServer,
  deps: GenerateToolDeps,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'edit_video',
    {
      title: 'Edit video',
      description:
        'Edit a Gemini Omni video you generated, by instruction: the same model makes a new version of it that ' +
        'keeps what the prompt does not mention. Returns a new operation (lineage names the original); follow it ' +
        'with get_video_operation. Billed like a generation of the same length; pass an idempotency_key. Veo ' +
        'results cannot be edited: use extend_video or generate_video with image / last_frame.',
      inputSchema,
      outputSchema: StartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    guarded('edit_video', async (args, ctx) => {
      const parent = await deps.operations.get(principal, args.operation_id);
      const prepared = await prepareEdit(args, parent, {
        api: deps.api,
        defaultModel: deps.defaultModel,
        maxImageBytes: deps.maxImageBytes,
        egress: deps.egress,
        ownStorage: deps.ownStorage,
      });
      return startGeneration(deps, principal, prepared, args, ctx, 'video edit');
    }),
  );
}
