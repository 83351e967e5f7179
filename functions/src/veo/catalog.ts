// The model catalog: what each Veo model accepts on each backend, and a list-price estimate per second.
// Requests are checked here before any call, so an impossible request costs nothing and says what is allowed.
import type { WireApi } from '../operations/record.js';
import { AppError, describeValue } from '../errors.js';
import type { VideoRequest } from '../operations/record.js';

export interface BackendLimits {
  durations: number[];
  resolutions: string[];
  maxVideos: number;
  /** 'always': audio is generated and cannot be turned off; 'optional': generate_audio is honoured. */
  audio: 'none' | 'optional' | 'always';
  seed: boolean;
  personGeneration: string[];
}

export interface ModelInfo {
  id: string;
  displayName: string;
  stage: 'GA' | 'preview';
  aspectRatios: string[];
  defaultDuration: number;
  imageToVideo: boolean;
  /** A resolution that needs a particular duration (Veo 3.1: 1080p only at 8 s). */
  resolutionNeedsDuration?: Record<string, number>;
  /** USD per second of video, list price; `audio` applies when audio is generated. */
  pricePerSecondUsd: { audio?: number; silent: number };
  backends: Partial<Record<WireApi, BackendLimits>>;
}

export const MAX_PROMPT_CHARS = 4000;
const PERSON_ALL = ['dont_allow', 'allow_adult', 'allow_all'];

const veo3Limits = (api: WireApi): BackendLimits => ({
  durations: [4, 6, 8],
  resolutions: ['720p', '1080p'],
  maxVideos: api === 'vertex' ? 4 : 1,
  audio: api === 'vertex' ? 'optional' : 'always',
  seed: api === 'vertex',
  personGeneration: PERSON_ALL,
});

const veo3 = (
  id: string,
  displayName: string,
  stage: ModelInfo['stage'],
  price: ModelInfo['pricePerSecondUsd'],
  extra: Partial<ModelInfo> = {},
): ModelInfo => ({
  id,
  displayName,
  stage,
  aspectRatios: ['16:9', '9:16'],
  defaultDuration: 8,
  imageToVideo: true,
  pricePerSecondUsd: price,
  backends: { vertex: veo3Limits('vertex'), gemini: veo3Limits('gemini') },
  ...extra,
});

export const MODELS: readonly ModelInfo[] = [
  veo3(
    'veo-3.1-generate-preview',
    'Veo 3.1',
    'preview',
    { audio: 0.4, silent: 0.2 },
    {
      resolutionNeedsDuration: { '1080p': 8 },
    },
  ),
  veo3(
    'veo-3.1-fast-generate-preview',
    'Veo 3.1 Fast',
    'preview',
    { audio: 0.15, silent: 0.1 },
    {
      resolutionNeedsDuration: { '1080p': 8 },
    },
  ),
  veo3('veo-3.0-generate-001', 'Veo 3', 'GA', { audio: 0.4, silent: 0.2 }),
  veo3('veo-3.0-fast-generate-001', 'Veo 3 Fast', 'GA', { audio: 0.15, silent: 0.1 }),
  {
    id: 'veo-2.0-generate-001',
    displayName: 'Veo 2',
    stage: 'GA',
    aspectRatios: ['16:9', '9:16'],
    defaultDuration: 8,
    imageToVideo: true,
    pricePerSecondUsd: { silent: 0.5 },
    backends: {
      vertex: {
        durations: [5, 6, 7, 8],
        resolutions: ['720p'],
        maxVideos: 4,
        audio: 'none',
        seed: true,
        personGeneration: ['dont_allow', 'allow_adult'],
      },
      gemini: {
        durations: [5, 6, 8],
        resolutions: ['720p'],
        maxVideos: 2,
        audio: 'none',
        seed: false,
        personGeneration: ['dont_allow', 'allow_adult'],
      },
    },
  },
];

export function findModel(id: string): ModelInfo | undefined {
  return MODELS.find((m) => m.id === id);
}

/** Arguments as a caller gives them (snake_case fields of generate_video), before catalog checks. */
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
}

const list = (values: Array<string | number>): string => values.map((v) => JSON.stringify(v)).join(', ');

function reject(field: string, value: unknown, allowed: string): never {
  throw new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${describeValue(value)}. ${allowed}`);
}

/**
 * Checks arguments against the model's limits on this backend and fills defaults.
 * `hasImage` says whether an image was given (the prompt may then be empty).
 */
export function checkRequest(
  args: GenerationArgs,
  api: WireApi,
  defaultModel: string,
  hasImage: boolean,
): { request: Omit<VideoRequest, 'image'>; estimatedCostUsd: number; audio: boolean } {
  const modelId = args.model ?? defaultModel;
  const model = findModel(modelId);
  const available = MODELS.filter((m) => m.backends[api]).map((m) => m.id);
  if (!model) reject('model', modelId, `Allowed models on the ${api} backend: ${list(available)}.`);
  const limits = model.backends[api];
  if (!limits)
    reject('model', modelId, `${modelId} is not offered on the ${api} backend. Allowed: ${list(available)}.`);

  const prompt = args.prompt?.trim() ?? '';
  if (!prompt && !hasImage) {
    reject('prompt', args.prompt ?? '', 'A prompt is required unless an image is given (image-to-video).');
  }
  if (prompt.length > MAX_PROMPT_CHARS) {
    reject('prompt', `${prompt.length} characters`, `At most ${MAX_PROMPT_CHARS} characters are allowed.`);
  }
  if (hasImage && !model.imageToVideo)
    reject('image', '(given)', `${modelId} does not accept an input image.`);

  const aspectRatio = args.aspect_ratio ?? '16:9';
  if (!model.aspectRatios.includes(aspectRatio)) {
    reject('aspect_ratio', aspectRatio, `${modelId} allows ${list(model.aspectRatios)}.`);
  }
  const durationSeconds = args.duration_seconds ?? model.defaultDuration;
  if (!limits.durations.includes(durationSeconds)) {
    reject(
      'duration_seconds',
      durationSeconds,
      `${modelId} on ${api} allows ${list(limits.durations)} seconds.`,
    );
  }
  const resolution = args.resolution ?? limits.resolutions[0]!;
  if (!limits.resolutions.includes(resolution)) {
    reject('resolution', resolution, `${modelId} on ${api} allows ${list(limits.resolutions)}.`);
  }
  const neededDuration = model.resolutionNeedsDuration?.[resolution];
  if (neededDuration !== undefined && durationSeconds !== neededDuration) {
    reject(
      'duration_seconds',
      durationSeconds,
      `${modelId} generates ${resolution} only at ${neededDuration} seconds; use duration_seconds ${neededDuration} or a lower resolution.`,
    );
  }
  const numberOfVideos = args.number_of_videos ?? 1;
  if (!Number.isInteger(numberOfVideos) || numberOfVideos < 1 || numberOfVideos > limits.maxVideos) {
    reject('number_of_videos', numberOfVideos, `${modelId} on ${api} allows 1 to ${limits.maxVideos}.`);
  }
  if (args.person_generation !== undefined && !limits.personGeneration.includes(args.person_generation)) {
    reject(
      'person_generation',
      args.person_generation,
      `${modelId} on ${api} allows ${list(limits.personGeneration)}.`,
    );
  }
  if (args.seed !== undefined && !limits.seed) {
    reject('seed', args.seed, `Seeds are supported only on the vertex backend; omit seed on ${api}.`);
  }
  let audio: boolean;
  if (limits.audio === 'none') {
    if (args.generate_audio)
      reject(
        'generate_audio',
        true,
        `${modelId} generates no audio; omit generate_audio or set it to false.`,
      );
    audio = false;
  } else if (limits.audio === 'always') {
    if (args.generate_audio === false) {
      reject('generate_audio', false, `${modelId} on ${api} always generates audio; omit generate_audio.`);
    }
    audio = true;
  } else {
    audio = args.generate_audio ?? true;
  }

  const request: Omit<VideoRequest, 'image'> = {
    model: modelId,
    prompt: prompt || undefined,
    negativePrompt: args.negative_prompt?.trim() || undefined,
    aspectRatio,
    durationSeconds,
    resolution,
    numberOfVideos,
    personGeneration: args.person_generation,
    seed: args.seed,
    generateAudio: limits.audio === 'optional' ? audio : undefined,
    enhancePrompt: args.enhance_prompt,
  };
  const perSecond = audio
    ? (model.pricePerSecondUsd.audio ?? model.pricePerSecondUsd.silent)
    : model.pricePerSecondUsd.silent;
  const estimatedCostUsd = Math.round(perSecond * durationSeconds * numberOfVideos * 100) / 100;
  return { request, estimatedCostUsd, audio };
}
