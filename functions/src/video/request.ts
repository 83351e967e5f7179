// From a caller's generate_video arguments to a request the model can honour: catalog checks first (cheap, no I/O),
// then the input images. Anything impossible is rejected here, before a record exists or the model is called.
import { z } from 'zod';
import type { WireApi } from '../operations/record.js';
import type { ImageInput, MediaInputs } from '../operations/ports.js';
import { AppError } from '../errors.js';
import type { VideoRequest } from '../operations/record.js';
import { MAX_PROMPT_CHARS, MODELS } from './catalog.js';
import { checkRequest, type ModeInput } from './check.js';
import type { EgressOptions } from '../net/egress.js';
import { IMAGE_MIME_TYPES, resolveImage } from './image.js';
import { plainText } from './input-rules.js';

/** The most reference images any model takes; each model's own limit is checked in check.ts. */
const MAX_REFERENCE_IMAGES = Math.max(...MODELS.map((m) => m.maxReferenceImages));

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
  enhance_prompt: z
    .boolean()
    .optional()
    .describe('Let Veo rewrite the prompt for better results (Veo only).'),
  last_frame: z
    .string()
    .optional()
    .describe(
      'Last frame (first + last frame: the video ends on it; needs image). Same forms as image; the type is read ' +
        'from the bytes or the name.',
    ),
  reference_images: z
    .array(z.string())
    .max(MAX_REFERENCE_IMAGES, `reference_images may hold at most ${MAX_REFERENCE_IMAGES} images`)
    .optional()
    .describe(
      'Asset reference images ("ingredients": a character, object or scene the video keeps), same forms as ' +
        'image; how many depends on the model (list_video_models max_reference_images).',
    ),
  fps: z.number().int().optional().describe('Frames per second (Veo on Vertex: 24 only).'),
  compression_quality: z
    .string()
    .max(20)
    .optional()
    .describe('"OPTIMIZED" (default) or "LOSSLESS" (Veo on Vertex; larger files).'),
  resize_mode: z
    .string()
    .max(10)
    .optional()
    .describe('How the input image is fitted: "PAD" or "CROP" (Veo on Vertex, image-to-video).'),
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
  /**
   * This deployment's own storage (gs://OUTPUT_BUCKET/), where every caller's outputs and kept inputs live: a gs://
   * image there is refused, since naming one would use another principal's files.
   */
  ownStorage?: string;
}

export async function prepareRequest(
  args: GenerateVideoArgs,
  options: PrepareOptions,
  mode: ModeInput = { mode: 'generate' },
): Promise<PreparedRequest> {
  const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';
  for (const field of ['image', 'last_frame'] as const) {
    if (args[field] !== undefined && !given(args[field])) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `Invalid ${field}: it is empty. Give the image as gs://, https://, a data: URL or base64, or omit ${field}.`,
      );
    }
  }
  const references = (args.reference_images ?? []).filter(given);
  if (references.length !== (args.reference_images ?? []).length) {
    throw new AppError(
      'INVALID_ARGUMENT',
      'Invalid reference_images: an entry is empty. Give each image as gs://, https://, a data: URL or base64.',
    );
  }
  const { request, estimatedCostUsd } = checkRequest(
    args,
    options.api,
    options.defaultModel,
    { image: given(args.image), lastFrame: given(args.last_frame), referenceImages: references.length },
    mode,
  );
  // The images last: fetching and sniffing bytes costs more than the catalog checks above.
  const imageOptions = (field: string) => ({
    api: options.api,
    maxBytes: options.maxImageBytes,
    egress: options.egress,
    ownStorage: options.ownStorage,
    field,
  });
  const image = given(args.image)
    ? await resolveImage(args.image, args.image_mime_type, imageOptions('image'))
    : undefined;
  const lastFrame = given(args.last_frame)
    ? await resolveImage(args.last_frame, undefined, imageOptions('last_frame'))
    : undefined;
  const referenceImages: ImageInput[] = [];
  for (const [n, value] of references.entries()) {
    referenceImages.push(await resolveImage(value, undefined, imageOptions(`reference_images[${n}]`)));
  }
  return {
    request: {
      ...request,
      ...(image ? { image: image.reference } : {}),
      ...(lastFrame ? { lastFrame: lastFrame.reference } : {}),
      ...(referenceImages.length > 0 ? { referenceImages: referenceImages.map((r) => r.reference) } : {}),
    },
    inputs: {
      ...(image ? { image } : {}),
      ...(lastFrame ? { lastFrame } : {}),
      ...(referenceImages.length > 0 ? { referenceImages } : {}),
    },
    estimatedCostUsd,
  };
}
