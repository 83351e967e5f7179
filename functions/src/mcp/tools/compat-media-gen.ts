// COMPAT_TOOLS=media-gen: the Google video tools of media-gen-mcp (strato-space/media-gen-mcp, src/lib/schemas.ts
// and src/index.ts, read 2026-12-02) under their names and parameter names, run as generate_video / extend_video /
// get_video_operation are: same checks, idempotency, spend limits, admission and records. An operation_name here is
// our operation_id. The peer waits in the call (wait_for_completion, timeout_ms); here the wait is capped by
// MAX_WAIT_SECONDS. The peer's inline-bytes outputs (tool_result "resource", response_format "b64_json") are
// refused: results carry signed links. Parameters about the peer's local disk are accepted and noted.
import { z } from 'zod';
import type { CallToolResult, McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { AppError } from '../../errors.js';
import { MAX_PROMPT_CHARS } from '../../video/catalog.js';
import { IMAGE_MIME_TYPES } from '../../video/image.js';
import { plainText, strictFields } from '../../video/input-rules.js';
import { prepareRequest } from '../../video/request.js';
import {
  CompatNotesSchema,
  CompatStartResultSchema,
  extensionOnly,
  peerGuarded,
  refuse,
  sameAspect,
  withNotes,
} from '../compat.js';
import { OperationViewSchema, operationResult, viewOperation } from '../operation-view.js';
import { START_ANNOTATIONS, StartArgsSchema, startGeneration } from '../start-generation.js';
import { prepareExtendVideo, type ExtendToolDeps } from './extend-video.js';

const toolResult = z
  .enum(['resource_link', 'resource'])
  .optional()
  .describe(
    'Only "resource_link" (the default): videos are signed links. "resource" (embedded base64 video) is refused.',
  );
const responseFormat = z
  .enum(['url', 'b64_json'])
  .optional()
  .describe('Only "url" (the default): structuredContent carries signed URLs. "b64_json" is refused.');

/** Refuses the inline-bytes outputs before anything runs. */
function linksOnly(args: { tool_result?: string; response_format?: string }): void {
  if (args.tool_result === 'resource') {
    throw refuse(
      'tool_result',
      '"resource" (the video embedded as base64) is not offered: videos are returned as signed links. ' +
        'Allowed: resource_link.',
    );
  }
  if (args.response_format === 'b64_json') {
    throw refuse(
      'response_format',
      '"b64_json" (video bytes inline) is not offered: structuredContent carries signed URLs. Allowed: url.',
    );
  }
}

const operationName = z
  .string()
  .min(1, 'operation_name must not be empty')
  .max(200)
  .describe('The operation_name (operation_id) returned by google-videos-generate.');

/** The peer's default wait, 15 minutes (schemas.ts timeout_ms default 900000). */
const DEFAULT_TIMEOUT_MS = 900_000;

const generateInput = strictFields(
  z.object({
    prompt: plainText('prompt', z.string().max(MAX_PROMPT_CHARS * 2))
      .optional()
      .describe('What the video shows. Required unless input_reference or input_video_reference is given.'),
    input_reference: z
      .string()
      .min(1, 'input_reference must not be empty')
      .optional()
      .describe(
        'First frame (image to video): https:// URL, data: URL or base64, or gs:// on Vertex AI. Local file ' +
          'paths are not read: this server is remote.',
      ),
    input_reference_mime_type: z
      .enum(IMAGE_MIME_TYPES, {
        error: (issue) =>
          `Invalid input_reference_mime_type ${JSON.stringify(issue.input)}: allowed ${IMAGE_MIME_TYPES.join(', ')}`,
      })
      .optional()
      .describe('Type of input_reference when its bytes or name do not say it (raw base64).'),
    input_video_reference: z
      .string()
      .min(1, 'input_video_reference must not be empty')
      .max(2048)
      .optional()
      .describe(
        'Video to extend (as extend_video): an MP4 at https:// or gs://, or the operation_name of one of your ' +
          'results. Not with input_reference.',
      ),
    model: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Model id (list_video_models); default: the server’s.'),
    number_of_videos: z
      .number()
      .int('number_of_videos must be a whole number')
      .min(1, 'number_of_videos must be between 1 and 4')
      .max(4, 'number_of_videos must be between 1 and 4')
      .optional()
      .describe('How many videos (default 1); the model’s own maximum applies.'),
    aspect_ratio: z
      .enum(['16:9', '9:16'], { error: () => 'Invalid aspect_ratio: allowed 16:9, 9:16' })
      .optional()
      .describe('"16:9" or "9:16".'),
    duration_seconds: z
      .number()
      .int('duration_seconds must be a whole number of seconds')
      .min(1, 'duration_seconds must be between 1 and 120')
      .max(120, 'duration_seconds must be between 1 and 120')
      .optional()
      .describe('Length in seconds; a value the model does not take is refused.'),
    person_generation: z
      .enum(['DONT_ALLOW', 'ALLOW_ADULT', 'ALLOW_ALL'], {
        error: () => 'Invalid person_generation: allowed DONT_ALLOW, ALLOW_ADULT, ALLOW_ALL',
      })
      .optional()
      .describe('Whether people may appear (allowed values depend on the model and backend).'),
    wait_for_completion: z
      .boolean()
      .optional()
      .describe('Wait for the video in this call (default true), up to timeout_ms and the server’s cap.'),
    timeout_ms: z
      .number()
      .int('timeout_ms must be a whole number of milliseconds')
      .min(1000, 'timeout_ms must be between 1000 and 3600000')
      .max(3_600_000, 'timeout_ms must be between 1000 and 3600000')
      .optional()
      .describe('Longest wait (default 900000), capped by the server’s MAX_WAIT_SECONDS.'),
    poll_interval_ms: z
      .number()
      .int('poll_interval_ms must be a whole number of milliseconds')
      .min(1000, 'poll_interval_ms must be between 1000 and 60000')
      .max(60_000, 'poll_interval_ms must be between 1000 and 60000')
      .optional()
      .describe('Accepted and not used: this server hears when the operation ends.'),
    download_when_done: z
      .boolean()
      .optional()
      .describe('Accepted and not used: nothing is downloaded to a server directory; use the signed links.'),
    tool_result: toolResult,
    response_format: responseFormat,
    idempotency_key: StartArgsSchema.shape.idempotency_key,
  }),
  'google-videos-generate arguments',
);
type GenerateInput = z.infer<typeof generateInput>;

const GENERATE_NAMES = {
  image: 'input_reference',
  image_mime_type: 'input_reference_mime_type',
  video: 'input_video_reference',
};

function notesFor(args: GenerateInput, maxWaitSeconds: number, waitSeconds: number): string[] {
  const notes: string[] = [];
  if (args.wait_for_completion !== false && waitSeconds > maxWaitSeconds) {
    notes.push(
      `timeout_ms is capped by this server's MAX_WAIT_SECONDS (${maxWaitSeconds} s); if the video is not done, ` +
        'poll google-videos-retrieve-operation with operation_name.',
    );
  }
  if (args.poll_interval_ms !== undefined) {
    notes.push('poll_interval_ms was not used: this server hears when the operation ends and answers then.');
  }
  if (args.download_when_done === true) {
    notes.push(
      'download_when_done: nothing is saved to a server directory; download the videos from the signed links.',
    );
  }
  return notes;
}

/** Adds the peer's name for the id (operation_name) to a result, in the text and in structuredContent. */
function withOperationName(result: CallToolResult): CallToolResult {
  const structured = result.structuredContent as Record<string, unknown> | undefined;
  const id = structured?.operation_id;
  if (result.isError || typeof id !== 'string') return result;
  const [first, ...rest] = result.content;
  return {
    ...result,
    content:
      first?.type === 'text'
        ? [{ ...first, text: `${first.text}\noperation_name: ${id}` }, ...rest]
        : result.content,
    structuredContent: { ...structured, operation_name: id },
  };
}

const withName = {
  operation_name: z.string().describe('The id to pass as operation_name (= operation_id).'),
};

export function registerMediaGenTools(
  server: McpServer,
  deps: ExtendToolDeps,
  principal: string,
): Record<string, RegisteredTool> {
  const tools: Record<string, RegisteredTool> = {};

  tools['google-videos-generate'] = server.registerTool(
    'google-videos-generate',
    {
      title: 'Google videos generate (media-gen-mcp name)',
      description:
        'media-gen-mcp’s google-videos-generate, served by this server: start a Veo / Gemini Omni generation from ' +
        'a prompt and/or a first frame (input_reference), or extend a video (input_video_reference), as ' +
        'generate_video / extend_video. By default waits for the result (timeout_ms, capped by the server’s ' +
        'MAX_WAIT_SECONDS); the result carries operation_name for google-videos-retrieve-operation. Videos are ' +
        'signed links (resource_link). Pass idempotency_key so a retried call never pays twice.',
      inputSchema: generateInput,
      outputSchema: CompatStartResultSchema.extend(withName),
      annotations: START_ANNOTATIONS,
    },
    peerGuarded('google-videos-generate', GENERATE_NAMES, async (args, ctx) => {
      linksOnly(args);
      const given = (value: string | undefined) => value !== undefined && value.trim() !== '';
      if (!given(args.prompt) && !given(args.input_reference) && !given(args.input_video_reference)) {
        throw new AppError(
          'INVALID_ARGUMENT',
          'Provide at least one of: prompt, input_reference, input_video_reference.',
        );
      }
      if (given(args.input_reference) && given(args.input_video_reference)) {
        throw refuse(
          'input_video_reference',
          'input_reference and input_video_reference are mutually exclusive.',
        );
      }
      const personGeneration = args.person_generation?.toLowerCase();
      const waitSeconds =
        args.wait_for_completion === false ? 0 : Math.ceil((args.timeout_ms ?? DEFAULT_TIMEOUT_MS) / 1000);
      const start = { idempotency_key: args.idempotency_key, wait_seconds: waitSeconds };

      let result: CallToolResult;
      if (given(args.input_video_reference)) {
        extensionOnly({ number_of_videos: args.number_of_videos, person_generation: args.person_generation });
        const prepared = sameAspect(
          args.aspect_ratio,
          await prepareExtendVideo(deps, principal, {
            video: args.input_video_reference!,
            prompt: args.prompt,
            model: args.model,
            duration_seconds: args.duration_seconds,
          }),
        );
        result = await startGeneration(deps, principal, prepared, start, ctx, 'video extension');
      } else {
        const prepared = await prepareRequest(
          {
            prompt: args.prompt,
            model: args.model,
            image: args.input_reference,
            image_mime_type: args.input_reference_mime_type,
            number_of_videos: args.number_of_videos,
            aspect_ratio: args.aspect_ratio,
            duration_seconds: args.duration_seconds,
            person_generation: personGeneration,
          },
          {
            api: deps.api,
            defaultModel: deps.defaultModel,
            maxImageBytes: deps.maxImageBytes,
            egress: deps.egress,
            ownStorage: deps.ownStorage,
          },
        );
        result = await startGeneration(deps, principal, prepared, start, ctx);
      }
      return withNotes(withOperationName(result), notesFor(args, deps.maxWaitSeconds, waitSeconds));
    }),
  );

  const retrieveOperation = strictFields(
    z.object({ operation_name: operationName, response_format: responseFormat }),
    'google-videos-retrieve-operation arguments',
  );
  tools['google-videos-retrieve-operation'] = server.registerTool(
    'google-videos-retrieve-operation',
    {
      title: 'Google videos retrieve operation (media-gen-mcp name)',
      description:
        'media-gen-mcp’s google-videos-retrieve-operation, served by this server: the status of one of your ' +
        'operations (as get_video_operation); when SUCCEEDED, fresh signed links to its videos.',
      inputSchema: retrieveOperation,
      outputSchema: OperationViewSchema.extend(withName),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    peerGuarded('google-videos-retrieve-operation', {}, async (args) => {
      linksOnly(args);
      const record = await deps.operations.get(principal, args.operation_name);
      const view = viewOperation(record, await deps.operations.links(record));
      return withOperationName(
        operationResult(view, view.done ? `Operation ${view.status}.` : `Operation still ${view.status}.`),
      );
    }),
  );

  const retrieveContent = strictFields(
    z.object({
      operation_name: operationName,
      index: z
        .number()
        .int('index must be a whole number')
        .min(0, 'index must be 0 or more')
        .optional()
        .describe('Which video of the operation (default 0).'),
      tool_result: toolResult,
      response_format: responseFormat,
    }),
    'google-videos-retrieve-content arguments',
  );
  tools['google-videos-retrieve-content'] = server.registerTool(
    'google-videos-retrieve-content',
    {
      title: 'Google videos retrieve content (media-gen-mcp name)',
      description:
        'media-gen-mcp’s google-videos-retrieve-content, served by this server: a fresh signed link (resource_link) ' +
        'to video `index` of one of your operations that SUCCEEDED. Nothing is written to a server directory.',
      inputSchema: retrieveContent,
      outputSchema: OperationViewSchema.extend({
        ...withName,
        index: z.number().describe('The video the resource_link is for.'),
        compat_notes: CompatNotesSchema,
      }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    peerGuarded('google-videos-retrieve-content', {}, async (args) => {
      linksOnly(args);
      const record = await deps.operations.get(principal, args.operation_name);
      const view = viewOperation(record, await deps.operations.links(record));
      if (view.status !== 'SUCCEEDED') {
        throw new AppError(
          'FAILED_PRECONDITION',
          `Operation ${view.operation_id} is ${view.status}: it has no video${view.done ? '' : ' yet'}. ` +
            (view.done
              ? view.next_step
              : 'Call google-videos-retrieve-operation until it is done (or generate with wait_for_completion).'),
        );
      }
      const index = args.index ?? 0;
      if (index >= view.videos.length) {
        throw refuse(
          'index',
          `${index}. Operation ${view.operation_id} has ${view.videos.length} video(s): index 0 to ${view.videos.length - 1}.`,
        );
      }
      const result = operationResult(view, `Video ${index} of operation ${view.operation_id}.`);
      let n = 0;
      result.content = result.content.filter((block) => block.type !== 'resource_link' || n++ === index);
      result.structuredContent = { ...result.structuredContent, index };
      return withOperationName(result);
    }),
  );

  return tools;
}
