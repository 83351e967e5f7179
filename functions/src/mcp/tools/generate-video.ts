// generate_video: starts a generation with any model of the catalog — Veo 3.1 (text, first frame, first + last frame,
// reference images) or Gemini Omni — and returns the operation at once; optionally waits a bounded time, sending
// progress notifications when the client asked for them with a progress token.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { strictFields } from '../../video/input-rules.js';
import { GenerateVideoArgsSchema, prepareRequest } from '../../video/request.js';
import {
  START_ANNOTATIONS,
  StartArgsSchema,
  StartResultSchema,
  startGeneration,
  type GenerateToolDeps,
} from '../start-generation.js';
import { guarded } from '../tool-errors.js';

export type { GenerateToolDeps } from '../start-generation.js';

const inputSchema = strictFields(
  GenerateVideoArgsSchema.extend(StartArgsSchema.shape),
  'generate_video arguments',
);

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
        'Start generating a video with Google Veo 3.1 or Gemini Omni from a prompt, a first frame (image), a ' +
        'first + last frame (image + last_frame) and/or reference images. Returns operation_id at once (status ' +
        'QUEUED/RUNNING); follow it with get_video_operation, or pass wait_seconds to wait here. Video is billed ' +
        'per second: pass an idempotency_key so a retried call never pays twice. See list_video_models for what ' +
        'each model accepts; extend_video and edit_video continue a result.',
      inputSchema,
      outputSchema: StartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    guarded('generate_video', async (args, ctx) => {
      const prepared = await prepareRequest(args, {
        api: deps.api,
        defaultModel: deps.defaultModel,
        maxImageBytes: deps.maxImageBytes,
        egress: deps.egress,
        ownStorage: deps.ownStorage,
      });
      return startGeneration(deps, principal, prepared, args, ctx);
    }),
  );
}
