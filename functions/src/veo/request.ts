// From a caller's generate_video arguments to a request Veo can honour: catalog checks first (cheap, no I/O),
// then the input image. Anything impossible is rejected here, before a record exists or Veo is called.
import type { VeoApi } from '../config/index.js';
import type { ImageInput } from '../operations/ports.js';
import type { VideoRequest } from '../operations/record.js';
import { checkRequest, type GenerationArgs } from './catalog.js';
import { resolveImage } from './image.js';

export interface GenerateVideoArgs extends GenerationArgs {
  image?: string;
  image_mime_type?: string;
}

export interface PreparedRequest {
  request: VideoRequest;
  image?: ImageInput;
  estimatedCostUsd: number;
}

export interface PrepareOptions {
  api: VeoApi;
  defaultModel: string;
  maxImageBytes: number;
}

export async function prepareRequest(
  args: GenerateVideoArgs,
  options: PrepareOptions,
): Promise<PreparedRequest> {
  const hasImage = args.image !== undefined && args.image.trim() !== '';
  const { request, estimatedCostUsd } = checkRequest(args, options.api, options.defaultModel, hasImage);
  if (!hasImage) return { request, estimatedCostUsd };
  const image = await resolveImage(args.image!, args.image_mime_type, {
    api: options.api,
    maxBytes: options.maxImageBytes,
  });
  return { request: { ...request, image: image.reference }, image, estimatedCostUsd };
}
