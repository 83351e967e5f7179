// extend_video: a longer video from one of the caller's results (by operation id) or an MP4 at gs:// or https. Veo
// 3.1 adds 7 s per step to an MP4 it checks first (MP4, 1–30 s, 24 fps, its frame sizes); Gemini Omni continues its
// own interaction by 3–10 s. Each step is a new operation; steps from a result of ours form one lineage.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { BlobStore } from '../../operations/ports.js';
import { prepareExtend } from '../../video/continue.js';
import { strictFields } from '../../video/input-rules.js';
import { GenerateVideoArgsSchema, type PreparedRequest } from '../../video/request.js';
import {
  START_ANNOTATIONS,
  StartArgsSchema,
  StartResultSchema,
  startGeneration,
  type GenerateToolDeps,
} from '../start-generation.js';
import { guarded } from '../tool-errors.js';

const shape = GenerateVideoArgsSchema.shape;
const inputSchema = strictFields(
  z
    .object({
      video: z
        .string()
        .min(1, 'video must name the video to extend')
        .max(2048)
        .describe(
          'The video to extend: the operation_id of one of your generations that SUCCEEDED (its chain of ' +
            'extensions is followed as one lineage), or an MP4 at gs://BUCKET/OBJECT or https:// (Veo only).',
        ),
      prompt: shape.prompt.describe('What happens next in the video.'),
      model: shape.model.describe(
        'Model that extends (list_video_models: extension). Default: the model of the operation given, else the ' +
          "server's default.",
      ),
      duration_seconds: z
        .number()
        .int('duration_seconds must be a whole number of seconds')
        .optional()
        .describe('Seconds to add: 7 with Veo 3.1; 3 to 10 with Omni (default 10).'),
      resolution: shape.resolution.describe('Default: the input video’s.'),
      generate_audio: shape.generate_audio,
      negative_prompt: shape.negative_prompt,
      seed: shape.seed,
    })
    .extend(StartArgsSchema.shape),
  'extend_video arguments',
);

/** What extend_video needs besides the other starting tools' dependencies. */
export interface ExtendToolDeps extends GenerateToolDeps {
  blobs: BlobStore;
  maxVideoBytes: number;
  /** OUTPUT_PREFIX: https input videos are copied under `${outputPrefix}/inputs/`. */
  outputPrefix: string;
}

export function registerExtendVideoTool(
  server: McpServer,
  deps: ExtendToolDeps,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'extend_video',
    {
      title: 'Extend video',
      description:
        'Make a video longer: Veo 3.1 adds 7 s to an MP4 (one of your results, or gs:// / https; checked before ' +
        'anything is billed: MP4, 1–30 s, 24 fps, 720p/1080p/4K, 16:9 or 9:16) and returns the whole extended ' +
        'video; Gemini Omni continues one of its own results by 3–10 s. Returns a new operation whose lineage names ' +
        'the original; follow it with get_video_operation. Billed for the seconds added; pass an idempotency_key.',
      inputSchema,
      outputSchema: StartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    guarded('extend_video', async (args, ctx) => {
      const prepared = await prepareExtendVideo(deps, principal, args);
      return startGeneration(deps, principal, prepared, args, ctx, 'video extension');
    }),
  );
}

/**
 * The request that extends `args.video`: one of the caller's operations by id, or a gs:// / https URL. Shared with
 * the peer-named tools (compat-*.ts), so every extension is checked the same way.
 */
export async function prepareExtendVideo(
  deps: ExtendToolDeps,
  principal: string,
  args: Parameters<typeof prepareExtend>[0],
): Promise<PreparedRequest> {
  const byUrl = /^[a-z][a-z0-9+.-]*:/i.test(args.video.trim());
  const parent = byUrl ? undefined : await deps.operations.get(principal, args.video.trim());
  return prepareExtend(args, parent, {
    api: deps.api,
    defaultModel: deps.defaultModel,
    maxImageBytes: deps.maxImageBytes,
    egress: deps.egress,
    ownStorage: deps.ownStorage,
    blobs: deps.blobs,
    maxVideoBytes: deps.maxVideoBytes,
    // Named by caller and content: a retried call (same idempotency key) names the same copy, so its request matches
    // the first one's and replays; a changed video gets its own copy.
    copyTo: (sha256) =>
      `${deps.outputPrefix}/inputs/${createHash('sha256').update(`${principal}\n${sha256}`).digest('hex')}.mp4`,
    admits: (request, cost) => deps.operations.admitsStart(principal, request, cost),
  });
}
