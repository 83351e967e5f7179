// From a caller's generate_video arguments to a request Veo can honour: catalog checks first (cheap, no I/O),
// then the input image. Anything impossible is rejected here, before a record exists or Veo is called.
import { z } from 'zod';
import type { WireApi } from '../operations/record.js';
import type { MediaInputs } from '../operations/ports.js';
import type { VideoRequest } from '../operations/record.js';
import { checkRequest, MAX_PROMPT_CHARS } from './catalog.js';
import type { EgressOptions } from '../net/egress.js';
import { IMAGE_MIME_TYPES, resolveImage } from './image.js';
import { plainText } from './input-rules.js';

/**
 * The generation arguments every entry point accepts (the generate_video tool, the requests topic), with field
 * descriptions. Shape checks only: what a model allows is checked against the catalog in prepareRequest. Each entry
 * point makes it strict (input-rules.ts strictFields) after adding its own fields.
 */
export const GenerateVideoArgsSchema = z.object({
  prompt: plainText('prompt', z.string().max(MAX_PROMPT_CHARS * 2))
    .optional()
    .describe(
      `What the video shows, up to ${MAX_PROMPT_CHARS} characters. Optional only when an image is given.`,
    ),
  model: z
    .string()
    .max(100)
    .optional()
    .describe('Veo model id (see list_video_models); default from the server.'),
  image: z
    .string()
    .optional()
    .describe(
      'Starting frame for image-to-video: gs://BUCKET/OBJECT (vertex backend), an https:// URL, a ' +
        'data:image/png;base64,... URL, or raw base64 (then set image_mime_type). PNG, JPEG or WebP.',
    ),
  image_mime_type: z
    .enum(IMAGE_MIME_TYPES, {
      error: (issue) =>
        `Invalid image_mime_type ${JSON.stringify(issue.input)}: allowed ${IMAGE_MIME_TYPES.join(', ')}`,
    })
    .optional()
    .describe('MIME type of image when it cannot be read from the bytes or name.'),
  negative_prompt: plainText('negative_prompt', z.string().max(MAX_PROMPT_CHARS))
    .optional()
    .describe('What the video should not show.'),
  aspect_ratio: z.string().max(10).optional().describe('"16:9" (default) or "9:16".'),
  duration_seconds: z
    .number()
    .int('duration_seconds must be a whole number of seconds')
    .optional()
    .describe('Length in seconds; allowed values depend on the model (Veo 3.1: 4, 6, 8). Default 8.'),
  resolution: z
    .string()
    .max(10)
    .optional()
    .describe('"720p" (default), "1080p" or "4k" where the model allows (see list_video_models).'),
  number_of_videos: z.number().int().optional().describe('How many videos to generate (default 1).'),
  person_generation: z
    .string()
    .max(20)
    .optional()
    .describe('"dont_allow", "allow_adult" or "allow_all" (allowed values depend on model and backend).'),
  seed: z
    .number()
    .int()
    .min(0, 'seed must be between 0 and 4294967295')
    .max(4294967295, 'seed must be between 0 and 4294967295')
    .optional()
    .describe('Seed for repeatable output (vertex backend only).'),
  generate_audio: z
    .boolean()
    .optional()
    .describe('Generate an audio track (default true); false costs less (see list_video_models prices).'),
  enhance_prompt: z.boolean().optional().describe('Let Veo rewrite the prompt for better results.'),
});
export type GenerateVideoArgs = z.infer<typeof GenerateVideoArgsSchema>;

export interface PreparedRequest {
  request: VideoRequest;
  inputs: MediaInputs;
  estimatedCostUsd: number;
}

export interface PrepareOptions {
  api: WireApi;
  defaultModel: string;
  maxImageBytes: number;
  egress?: EgressOptions;
}

export async function prepareRequest(
  args: GenerateVideoArgs,
  options: PrepareOptions,
): Promise<PreparedRequest> {
  const hasImage = args.image !== undefined && args.image.trim() !== '';
  const { request, estimatedCostUsd } = checkRequest(args, options.api, options.defaultModel, hasImage);
  if (!hasImage) return { request, inputs: {}, estimatedCostUsd };
  const image = await resolveImage(args.image!, args.image_mime_type, {
    api: options.api,
    maxBytes: options.maxImageBytes,
    egress: options.egress,
  });
  return { request: { ...request, image: image.reference }, inputs: { image }, estimatedCostUsd };
}
