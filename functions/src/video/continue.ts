// Requests that continue a previous result: edit_video (a new Omni turn on it) and extend_video (a longer video).
// The parent must be the caller's own finished operation; the checks run before anything is created or billed.
import { AppError, describeValue } from '../errors.js';
import type { BlobStore } from '../operations/ports.js';
import {
  childLink,
  resultSecondsOf,
  type OperationRecord,
  type VideoReference,
} from '../operations/record.js';
import { findModel, FRAME_SIZES, frameSize, type ModelInfo, type Resolution } from './catalog.js';
import { checkRequest, resolveModel } from './check.js';
import { resolveStoredVideo, resolveVideo, type ExtensionRules as InputRules } from './input-video.js';
import {
  prepareRequest,
  type GenerateVideoArgs,
  type PrepareOptions,
  type PreparedRequest,
} from './request.js';

/** The parent must have ended SUCCEEDED with its video: only a finished result can be continued. */
export function requireFinished(parent: OperationRecord, field: string, verb: string): void {
  if (parent.status !== 'SUCCEEDED' || parent.outputs.length === 0) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `Invalid ${field}: ${describeValue(parent.id)} is ${parent.status}${
        parent.status === 'SUCCEEDED' ? ' without a video' : ''
      }. Only a generation that SUCCEEDED can be ${verb}; wait for it with get_video_operation.`,
    );
  }
}

/** edit_video: the parent's model makes a new turn on the parent's result, keeping its length and aspect ratio. */
export async function prepareEdit(
  args: Pick<GenerateVideoArgs, 'prompt' | 'resolution' | 'reference_images'>,
  parent: OperationRecord,
  options: PrepareOptions,
): Promise<PreparedRequest> {
  requireFinished(parent, 'operation_id', 'edited');
  const model = findModel(parent.model);
  if (!model?.edit) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Invalid operation_id: ${describeValue(parent.id)} was made by ${parent.model}, which cannot edit its ` +
        'results. edit_video continues Gemini Omni generations (list_video_models: edit); for Veo, use ' +
        'extend_video or generate_video with image / last_frame.',
    );
  }
  if (!parent.veoOperationName) {
    throw new AppError('FAILED_PRECONDITION', `Operation ${parent.id} has no interaction to continue.`);
  }
  // An edit keeps the parent's resolution unless asked otherwise (and is priced at it).
  const resolution = args.resolution ?? parent.request.resolution;
  const prepared = await prepareRequest({ ...args, model: parent.model, resolution }, options, {
    mode: 'edit',
    parentSeconds: resultSecondsOf(parent),
    aspectRatio: parent.request.aspectRatio,
  });
  return { ...prepared, request: { ...prepared.request, parent: childLink(parent) } };
}

/** What extend_video needs besides the generation's own options: where input videos are read and copied. */
export interface ExtendOptions extends PrepareOptions {
  blobs: BlobStore;
  maxVideoBytes: number;
  /** The blob key an https input video is copied to, named from its bytes (input-video.ts copyName). */
  copyTo: (sha256: string) => string;
  /** Throws when the caller's limits refuse the request: run before the https copy is written. */
  admits: (request: PreparedRequest['request'], estimatedCostUsd: number) => Promise<void>;
}

/** The input rules of a model that extends MP4s, as input-video.ts checks them. */
function inputRules(model: ModelInfo): InputRules | undefined {
  const rules = model.extension;
  if (!rules || rules.input !== 'video') return undefined;
  const sizes = model.resolutions.flatMap((resolution) =>
    model.aspectRatios.map((aspect) => ({
      ...frameSize(resolution, aspect),
      label: `${resolution} ${aspect}`,
    })),
  );
  return {
    minSeconds: rules.inputMinSeconds,
    maxSeconds: rules.inputMaxSeconds,
    fps: rules.inputFps ?? 24,
    sizes,
  };
}

/** The resolution label and aspect ratio of a frame size, when it is one the catalog knows. */
function labelOf(width?: number, height?: number): { resolution?: Resolution; aspectRatio?: string } {
  for (const [resolution, size] of Object.entries(FRAME_SIZES) as Array<
    [Resolution, { width: number; height: number }]
  >) {
    if (size.width === width && size.height === height) return { resolution, aspectRatio: '16:9' };
    if (size.height === width && size.width === height) return { resolution, aspectRatio: '9:16' };
  }
  return {};
}

/**
 * extend_video: a longer video. `parent` is the caller's own operation when `video` named one (the tool looked it
 * up); otherwise `video` is a gs:// or https URL. Veo extends an MP4 (checked before any spend: MP4, length, 24 fps,
 * frame size); Omni continues its own interaction, so it extends only the caller's Omni results.
 */
export async function prepareExtend(
  args: Pick<
    GenerateVideoArgs,
    'prompt' | 'model' | 'duration_seconds' | 'resolution' | 'generate_audio' | 'negative_prompt' | 'seed'
  > & { video: string },
  parent: OperationRecord | undefined,
  options: ExtendOptions,
): Promise<PreparedRequest> {
  if (parent) requireFinished(parent, 'video', 'extended');
  const parentModel = parent && findModel(parent.model);
  // Default: the parent's model when it extends, else the backend's default.
  const modelId = args.model ?? (parentModel?.extension ? parentModel.id : options.defaultModel);
  const model = resolveModel(modelId, options.api);
  const rules = model.extension;
  if (!rules) {
    // check.ts names the models that do; run it for the message.
    checkRequest(
      { ...args, model: modelId },
      options.api,
      options.defaultModel,
      {},
      { mode: 'extend', inputSeconds: 0 },
    );
  }
  if (rules?.input === 'interaction') {
    if (!parent || parent.model !== model.id || !parent.veoOperationName) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `Invalid video: ${describeValue(args.video)}. ${model.id} extends its own results by continuing their ` +
          `interaction: give the operation_id of one of your ${model.id} generations that SUCCEEDED.`,
      );
    }
    const prepared = await prepareRequest(
      { ...args, model: model.id, resolution: args.resolution ?? parent.request.resolution },
      options,
      { mode: 'extend', inputSeconds: resultSecondsOf(parent), aspectRatio: parent.request.aspectRatio },
    );
    return { ...prepared, request: { ...prepared.request, parent: childLink(parent) } };
  }

  const check = { blobs: options.blobs, maxBytes: options.maxVideoBytes, rules: inputRules(model) };
  let video: VideoReference;
  if (parent) {
    video = await resolveStoredVideo(parent.outputs[0]!.uri, parent.id, check);
  } else {
    // The copy is the one write before the record: the arguments and the caller's limits are checked first, so a call
    // that will be refused writes nothing (the start's transaction still decides the spend).
    const early = checkRequest(
      { ...args, model: model.id },
      options.api,
      options.defaultModel,
      {},
      {
        mode: 'extend',
        inputSeconds: 0,
      },
    );
    await options.admits(early.request as PreparedRequest['request'], early.estimatedCostUsd);
    video = await resolveVideo(args.video, { ...check, copyTo: options.copyTo, egress: options.egress });
  }
  const shape = labelOf(video.width, video.height);
  const prepared = await prepareRequest(
    { ...args, model: model.id, resolution: args.resolution ?? shape.resolution },
    options,
    { mode: 'extend', inputSeconds: video.durationSeconds ?? 0, aspectRatio: shape.aspectRatio },
  );
  return {
    ...prepared,
    request: { ...prepared.request, video, ...(parent ? { parent: childLink(parent) } : {}) },
  };
}
