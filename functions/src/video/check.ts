// What a model can do, checked before anything is created or billed: a caller's arguments against the catalog row of
// the model they name (or the backend's default), for every mode — generate (text, first frame, first + last frame,
// reference images), extend and edit. Each refusal names the field, the value and what is allowed. Pure: no I/O.
import { AppError, describeValue } from '../errors.js';
import type { GenerationMode, VideoRequest, WireApi } from '../operations/record.js';
import {
  estimateCostUsd,
  findModel,
  findRetired,
  isSecondsRange,
  liveModelIds,
  MAX_PROMPT_CHARS,
  retiredMessage,
  type Family,
  type ModelInfo,
  type Resolution,
} from './catalog.js';

/** Arguments as a caller gives them (snake_case fields of generate_video and friends), before catalog checks. */
export interface GenerationArgs {
  model?: string;
  prompt?: string;
  negative_prompt?: string;
  aspect_ratio?: string;
  duration_seconds?: number;
  resolution?: string;
  number_of_videos?: number;
  person_generation?: string;
  seed?: number;
  generate_audio?: boolean;
  enhance_prompt?: boolean;
  fps?: number;
  compression_quality?: string;
  resize_mode?: string;
}

/** Which media the call gives (their bytes are checked elsewhere: image.ts, input-video.ts). */
export interface MediaGiven {
  image?: boolean;
  lastFrame?: boolean;
  referenceImages?: number;
}

/** The mode, and for extend/edit what is known about the video continued. */
export type ModeInput =
  | { mode: 'generate' }
  /** `inputSeconds`: the length of the video extended (the whole chain so far). */
  | { mode: 'extend'; inputSeconds: number; aspectRatio?: string }
  | { mode: 'edit'; parentSeconds: number; aspectRatio?: string };

/** The arguments each family does not take, and why (refused by name). */
const NOT_TAKEN: Readonly<Record<Family, Partial<Record<keyof GenerationArgs, string>>>> = {
  veo: {},
  omni: {
    negative_prompt: 'Omni has no negative prompt; say what to avoid in the prompt',
    number_of_videos: 'Omni makes one video per turn',
    seed: 'Omni takes no seed',
    person_generation: 'Omni takes no person_generation setting',
    enhance_prompt: 'Omni does not rewrite prompts',
    generate_audio: 'Omni always generates audio',
    fps: 'Omni always renders 24 fps',
    compression_quality: 'compression_quality is a Veo setting',
    resize_mode: 'resize_mode is a Veo setting',
  },
};

const COMPRESSION = ['OPTIMIZED', 'LOSSLESS'] as const;
const RESIZE = ['PAD', 'CROP'] as const;
/** Vertex's fps parameter: Veo 3.1 renders 24 fps only (research note §2, the Vertex model page). */
const VEO_FPS = [24];

const list = (values: ReadonlyArray<string | number>): string =>
  values.map((v) => JSON.stringify(v)).join(', ');

function reject(field: string, value: unknown, allowed: string): never {
  throw new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${describeValue(value)}. ${allowed}`);
}

/** A refusal of a media argument for being given at all (its value is bytes or a URL, not worth repeating). */
function refuseGiven(field: string, why: string): never {
  throw new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${why}`);
}

/** The live model `id` names on `api`, or a refusal naming the retirement or the allowed ids. */
export function resolveModel(id: string, api: WireApi): ModelInfo {
  const available = liveModelIds(api);
  const retired = findRetired(id, api);
  if (retired) reject('model', id, `${retiredMessage(retired, api)} Allowed: ${list(available)}.`);
  const model = findModel(id);
  if (!model) reject('model', id, `Allowed models on the ${api} backend: ${list(available)}.`);
  if (!model.backends.includes(api))
    reject('model', id, `${id} is not offered on the ${api} backend. Allowed: ${list(available)}.`);
  return model;
}

/** Durations as a reader wants them: "3 to 15" for a run of whole seconds, else the list. */
function durationsText(values: readonly number[]): string {
  return isSecondsRange(values) ? `${values[0]} to ${values[values.length - 1]}` : list(values);
}

/**
 * Checks arguments against the model's limits on this backend for the mode, and fills defaults. A retired id is
 * refused as INVALID_ARGUMENT: the caller's argument is what is wrong and changing it is the fix (AIP-193), as for an
 * unknown id.
 */
export function checkRequest(
  args: GenerationArgs,
  api: WireApi,
  defaultModel: string,
  media: MediaGiven = {},
  modeInput: ModeInput = { mode: 'generate' },
): {
  request: Omit<VideoRequest, 'image' | 'lastFrame' | 'referenceImages' | 'video' | 'parent'>;
  estimatedCostUsd: number;
  model: ModelInfo;
} {
  const modelId = args.model ?? defaultModel;
  const model = resolveModel(modelId, api);
  const family = model.family;
  const mode: GenerationMode = modeInput.mode;

  for (const [field, why] of Object.entries(NOT_TAKEN[family])) {
    if (args[field as keyof GenerationArgs] !== undefined) {
      reject(
        field,
        args[field as keyof GenerationArgs],
        `The ${family} family (${modelId}) does not take ${field}: ${why}. Omit it.`,
      );
    }
  }

  const prompt = args.prompt?.trim() ?? '';
  const referenceCount = media.referenceImages ?? 0;
  if (prompt.length > MAX_PROMPT_CHARS) {
    reject('prompt', `${prompt.length} characters`, `At most ${MAX_PROMPT_CHARS} characters are allowed.`);
  }
  if (mode === 'edit' && !prompt) {
    reject('prompt', args.prompt ?? '', 'edit_video needs a prompt: the change to make to the video.');
  }
  if (mode === 'generate' && !prompt && !media.image && referenceCount === 0) {
    reject(
      'prompt',
      args.prompt ?? '',
      'A prompt is required unless an image (image-to-video) or reference images are given.',
    );
  }
  if (media.image && !model.imageToVideo) refuseGiven('image', `${modelId} does not accept an input image.`);
  if (media.lastFrame) {
    if (!model.lastFrame) {
      refuseGiven(
        'last_frame',
        `${modelId} does not take a last frame. Models that do: ${lastFrameModels(api)}.`,
      );
    }
    if (!media.image) {
      refuseGiven('last_frame', 'a last frame needs a first frame: give image too (first + last frame).');
    }
  }
  if (referenceCount > 0) {
    if (model.maxReferenceImages === 0) {
      reject(
        'reference_images',
        `${referenceCount} images`,
        `${modelId} takes no reference images. Models that do: ${referenceModels(api)}.`,
      );
    }
    if (referenceCount > model.maxReferenceImages) {
      reject(
        'reference_images',
        `${referenceCount} images`,
        `${modelId} takes at most ${model.maxReferenceImages} reference images.`,
      );
    }
  }
  if (mode === 'extend' && family === 'veo' && (media.image || media.lastFrame || referenceCount > 0)) {
    refuseGiven('image', 'extending a Veo video takes the video and a prompt only; omit images.');
  }

  const continued = modeInput.mode === 'generate' ? undefined : modeInput.aspectRatio;
  const aspectRatio = args.aspect_ratio ?? continued ?? '16:9';
  if (!model.aspectRatios.includes(aspectRatio)) {
    reject('aspect_ratio', aspectRatio, `${modelId} allows ${list(model.aspectRatios)}.`);
  }
  if (continued && aspectRatio !== continued) {
    reject(
      'aspect_ratio',
      aspectRatio,
      `The video continued is ${continued}; an extension or edit keeps its aspect ratio. Omit aspect_ratio.`,
    );
  }

  const durationSeconds = checkDuration(args, model, api, modeInput);
  const resolution = (args.resolution ?? model.resolutions[0]!) as Resolution;
  if (!model.resolutions.includes(resolution)) {
    reject('resolution', resolution, `${modelId} on ${api} allows ${list(model.resolutions)}.`);
  }
  const neededDuration = model.resolutionNeedsDuration?.[resolution];
  if (mode === 'generate' && neededDuration !== undefined && durationSeconds !== neededDuration) {
    reject(
      'duration_seconds',
      durationSeconds,
      `${modelId} generates ${resolution} only at ${neededDuration} seconds; use duration_seconds ${neededDuration} or a lower resolution.`,
    );
  }
  const numberOfVideos = args.number_of_videos ?? 1;
  if (!Number.isInteger(numberOfVideos) || numberOfVideos < 1 || numberOfVideos > model.maxVideos) {
    reject('number_of_videos', numberOfVideos, `${modelId} on ${api} allows 1 to ${model.maxVideos}.`);
  }
  if (args.person_generation !== undefined && !model.personGeneration.includes(args.person_generation)) {
    reject(
      'person_generation',
      args.person_generation,
      `${modelId} on ${api} allows ${list(model.personGeneration)}.`,
    );
  }
  if (args.seed !== undefined && !model.seed)
    reject('seed', args.seed, `${modelId} takes no seed; omit seed.`);
  if (args.fps !== undefined && !VEO_FPS.includes(args.fps)) {
    reject('fps', args.fps, `${modelId} renders ${list(VEO_FPS)} frames per second only.`);
  }
  const compressionQuality = upperEnum('compression_quality', args.compression_quality, COMPRESSION);
  const resizeMode = upperEnum('resize_mode', args.resize_mode, RESIZE);
  if (resizeMode && !media.image) {
    reject(
      'resize_mode',
      args.resize_mode,
      'resize_mode says how the input image is fitted to the video; give image, or omit resize_mode.',
    );
  }
  const audio = model.audio === 'always' ? true : (args.generate_audio ?? true);

  const request = {
    model: modelId,
    ...(mode === 'generate' ? {} : { mode }),
    prompt: prompt || undefined,
    negativePrompt: args.negative_prompt?.trim() || undefined,
    aspectRatio,
    durationSeconds,
    resolution,
    numberOfVideos,
    personGeneration: args.person_generation,
    seed: args.seed,
    generateAudio: family === 'veo' ? audio : undefined,
    enhancePrompt: args.enhance_prompt,
    fps: args.fps,
    compressionQuality,
    resizeMode,
  };
  const estimatedCostUsd = estimateCostUsd(model, resolution, audio, durationSeconds, numberOfVideos);
  return { request, estimatedCostUsd, model };
}

/**
 * The seconds this step generates (what is billed and reserved): the duration asked for when generating, one
 * extension step when extending (Veo: 7 s; Omni: the step asked for), and the parent's length when editing.
 */
function checkDuration(args: GenerationArgs, model: ModelInfo, api: WireApi, input: ModeInput): number {
  const modelId = model.id;
  if (input.mode === 'generate') {
    const durationSeconds = args.duration_seconds ?? model.defaultDuration;
    if (!model.durations.includes(durationSeconds)) {
      reject(
        'duration_seconds',
        durationSeconds,
        `${modelId} on ${api} allows ${durationsText(model.durations)} seconds.`,
      );
    }
    return durationSeconds;
  }
  if (input.mode === 'edit') {
    if (!model.edit)
      reject('model', modelId, `${modelId} does not edit videos. Models that do: ${editModels(api)}.`);
    if (args.duration_seconds !== undefined && args.duration_seconds !== input.parentSeconds) {
      reject(
        'duration_seconds',
        args.duration_seconds,
        `An edit keeps the length of the video it changes (${input.parentSeconds} s); omit duration_seconds.`,
      );
    }
    return input.parentSeconds;
  }
  const rules = model.extension;
  if (!rules)
    reject('model', modelId, `${modelId} does not extend videos. Models that do: ${extendModels(api)}.`);
  // Default: the longest step, or what the chain has left when that is less.
  const room = rules.maxTotalSeconds === undefined ? Infinity : rules.maxTotalSeconds - input.inputSeconds;
  const fitting = rules.stepSeconds.filter((s) => s <= room);
  const step =
    args.duration_seconds ?? fitting[fitting.length - 1] ?? rules.stepSeconds[rules.stepSeconds.length - 1]!;
  if (!rules.stepSeconds.includes(step)) {
    reject(
      'duration_seconds',
      step,
      `${modelId} extends a video by ${durationsText(rules.stepSeconds)} seconds per step.`,
    );
  }
  if (rules.maxTotalSeconds !== undefined && input.inputSeconds + step > rules.maxTotalSeconds) {
    reject(
      'duration_seconds',
      step,
      `The video is ${input.inputSeconds} s long; ${modelId} extends videos up to ${rules.maxTotalSeconds} s in all, ` +
        `so at most ${Math.max(0, rules.maxTotalSeconds - input.inputSeconds)} s more.`,
    );
  }
  return step;
}

/** An enum argument compared case-insensitively and sent as Google spells it (upper case). */
function upperEnum<T extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase() as T;
  if (!allowed.includes(upper)) reject(field, value, `Allowed: ${list(allowed)}.`);
  return upper;
}

const idsWhere = (api: WireApi, keep: (m: ModelInfo) => boolean): string =>
  list(
    liveModelIds(api)
      .map((id) => findModel(id)!)
      .filter(keep)
      .map((m) => m.id),
  ) || 'none on this backend';
const lastFrameModels = (api: WireApi) => idsWhere(api, (m) => m.lastFrame);
const referenceModels = (api: WireApi) => idsWhere(api, (m) => m.maxReferenceImages > 0);
const editModels = (api: WireApi) => idsWhere(api, (m) => m.edit);
const extendModels = (api: WireApi) => idsWhere(api, (m) => m.extension !== undefined);
