// The model catalog: one data table of the Veo models this server offers, what each accepts, its list price, where
// each fact came from and when; and the retired ids, kept as tombstones so a call naming one is refused before any
// spend with the date and the replacement. It drives request checks (checkRequest), the startup checks of
// VEO_DEFAULT_MODEL and VEO_SUBMITS_PER_MINUTE_BY_MODEL (config/loader.ts), list_video_models, cost estimates, the
// 404 mapping (adapter.ts), the simulator's 404 for retired ids and the README's model table (npm run models-table).
//
// Rule for uncertain facts (issue 13): a ⚠ note says what is unconfirmed; a capability we cannot confirm is offered
// (the call goes through and Google's 400 becomes the error) rather than refused on a guess. Only the Vertex AI API
// serves Veo (the Gemini API shut its last Veo models on 2026-10-22), so every live model lists 'vertex' alone.
import type { WireApi } from '../operations/record.js';
import { AppError, describeValue } from '../errors.js';
import type { VideoRequest } from '../operations/record.js';

export const RESOLUTIONS = ['720p', '1080p', '4k'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** USD per second of generated video at one resolution; `silent` applies when generate_audio is false. */
export interface SecondPrice {
  audio: number;
  silent: number;
}

/** Where a fact came from: a page (or SDK file, issue thread) and the day it was read. */
export interface Source {
  url: string;
  /** YYYY-MM-DD the page was read. */
  read: string;
  /** What this source says (the facts it backs). */
  backs: string;
}

export interface ModelInfo {
  id: string;
  displayName: string;
  family: 'veo';
  /** The wire APIs that serve this model. */
  backends: readonly WireApi[];
  stage: 'GA' | 'preview';
  aspectRatios: readonly string[];
  durations: readonly number[];
  defaultDuration: number;
  /** Offered resolutions, the first is the default; each has a price. */
  resolutions: readonly Resolution[];
  maxVideos: number;
  /** 'optional': generate_audio is honoured (default true). */
  audio: 'optional';
  seed: boolean;
  personGeneration: readonly string[];
  imageToVideo: boolean;
  /** A resolution that needs a particular duration, where Google documents one for this backend. */
  resolutionNeedsDuration?: Readonly<Partial<Record<Resolution, number>>>;
  /** List price per second by resolution and audio. */
  pricePerSecondUsd: Readonly<Partial<Record<Resolution, SecondPrice>>>;
  sources: readonly Source[];
  /** ⚠ What is not confirmed by a primary source, and what we do about it. */
  uncertain: readonly string[];
  /** The day the entry was last checked against its sources. */
  asOf: string;
}

/** A retired id: refused before any spend, naming the date and the replacement. */
export interface RetiredModel {
  id: string;
  /** YYYY-MM-DD the id stopped being served on Vertex AI. */
  retiredOn: string;
  /** A live catalog id to use instead. */
  replacement: string;
  source: Source;
}

export const MAX_PROMPT_CHARS = 4000;
const AS_OF = '2026-12-02';
const PERSON_ALL = ['dont_allow', 'allow_adult', 'allow_all'] as const;

const VERTEX_VEO_31: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-1-generate',
  read: AS_OF,
  backs:
    'veo-3.1-generate-001 and veo-3.1-fast-generate-001: 16:9 and 9:16, 720p and 1080p, 4/6/8 s, up to 4 videos per ' +
    'request, 50 requests per minute per project (read via a mirror of the docs.cloud.google.com page)',
};
const VERTEX_PARAMS: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/reference/rest/Shared.Types/VideoGenerationModelParams',
  read: '2026-12-01',
  backs:
    'seed (Vertex only), personGeneration dont_allow / allow_adult / allow_all, generateAudio, storageUri',
};
const SDK: Source = {
  url: 'https://www.npmjs.com/package/@google/genai/v/3.3.0 (dist/genai.d.ts GenerateVideosConfig, dist/node/index.mjs)',
  read: AS_OF,
  backs:
    'resolution is a free string passed through to Vertex (the SDK checks no values); seed, generateAudio, ' +
    'outputGcsUri, pubsubTopic, labels are sent on Vertex; webhookConfig throws on Vertex',
};
const GEMINI_4K: Source = {
  url: 'https://ai.google.dev/docs/changelog',
  read: AS_OF,
  backs:
    '2026-01-13: "Added 4k output resolutions for Veo" (Gemini API changelog; Vertex page copy lists no 4K)',
};
const PRICES_31: Source = {
  url: 'https://docs.dev.xavier.icvr.xyz/models/google-vertex/veo-3.1.html',
  read: AS_OF,
  backs:
    'third party: Veo 3.1 $0.40/s (4K $0.60), Fast $0.15/s (4K $0.35); video-only $0.20 / $0.10 per the research ' +
    'note (TanStack/ai model-meta, qingbo relay prices at 80% of those)',
};
const LITE: Source = {
  url: 'https://docs.dev.xavier.icvr.xyz/models/google-vertex/veo-3.1-lite-generate-001.html',
  read: AS_OF,
  backs: 'third party: Veo 3.1 Lite $0.05/s at 720p, $0.08/s at 1080p; Lite is the low-cost Veo 3.1 tier',
};
const LITE_LIMITS: Source = {
  url: 'https://runware.ai/docs/models/google-veo-3-1-lite',
  read: AS_OF,
  backs:
    'third party: Lite does text- and image-to-video, 720p or 1080p, 16:9 and 9:16, 4/6/8 s, native audio',
};

const PRICE_UNCONFIRMED =
  '⚠ Prices are from third parties (Google pricing page https://cloud.google.com/vertex-ai/generative-ai/pricing ' +
  'not read); they size budget reservations only, Google bills what it bills.';
const NO_1080P_RULE =
  '⚠ The Gemini API needed 8 s for 1080p/4K; no such Vertex rule is documented, so 4 and 6 s at 1080p/4K go through ' +
  'and a Google 400 becomes the error.';

const FOUR_K_UNCONFIRMED =
  '⚠ 4K on Vertex: offered by gateways (Vercel AI Gateway) and the Gemini API since 2026-01-13, not on the Vertex ' +
  'page copy read; 4k goes through and a Google 400 becomes the error.';
const FOUR_K_SILENT =
  '⚠ 4K video-only price unknown (one relay says 4K always has audio): estimated at the 4K audio price.';

const veo31 = (
  id: string,
  displayName: string,
  stage: ModelInfo['stage'],
  extra: Pick<ModelInfo, 'resolutions' | 'pricePerSecondUsd' | 'sources' | 'uncertain'>,
): ModelInfo => ({
  id,
  displayName,
  family: 'veo',
  backends: ['vertex'],
  stage,
  aspectRatios: ['16:9', '9:16'],
  durations: [4, 6, 8],
  defaultDuration: 8,
  maxVideos: 4,
  audio: 'optional',
  seed: true,
  personGeneration: PERSON_ALL,
  imageToVideo: true,
  asOf: AS_OF,
  ...extra,
});

/** The GA Veo 3.1 models: 720p and 1080p at one price, 4K at another (video-only 4K priced as with audio, ⚠). */
const veo31GA = (id: string, displayName: string, hd: SecondPrice, fourK: SecondPrice): ModelInfo =>
  veo31(id, displayName, 'GA', {
    resolutions: ['720p', '1080p', '4k'],
    pricePerSecondUsd: { '720p': hd, '1080p': hd, '4k': fourK },
    sources: [VERTEX_VEO_31, VERTEX_PARAMS, SDK, GEMINI_4K, PRICES_31],
    uncertain: [FOUR_K_UNCONFIRMED, FOUR_K_SILENT, NO_1080P_RULE, PRICE_UNCONFIRMED],
  });

/** The live models, in the order list_video_models and the README show them. */
export const MODELS: readonly ModelInfo[] = [
  veo31GA(
    'veo-3.1-fast-generate-001',
    'Veo 3.1 Fast',
    { audio: 0.15, silent: 0.1 },
    { audio: 0.35, silent: 0.35 },
  ),
  veo31GA('veo-3.1-generate-001', 'Veo 3.1', { audio: 0.4, silent: 0.2 }, { audio: 0.6, silent: 0.6 }),
  veo31('veo-3.1-lite-generate-001', 'Veo 3.1 Lite', 'preview', {
    resolutions: ['720p', '1080p'],
    pricePerSecondUsd: {
      '720p': { audio: 0.05, silent: 0.05 },
      '1080p': { audio: 0.08, silent: 0.08 },
    },
    sources: [LITE, LITE_LIMITS, VERTEX_PARAMS, SDK],
    uncertain: [
      '⚠ Launch stage: Preview per one third party (apidog, 2026-11-06); no Google page read gives it.',
      '⚠ No 4K (two third parties; one reseller claims 4K); 4k is refused because no price is known to reserve.',
      '⚠ Durations, 4 videos per request and audio off follow the other Veo 3.1 models (third parties only).',
      '⚠ Video-only price unknown: estimated at the audio price.',
      PRICE_UNCONFIRMED,
    ],
  }),
];

const VERTEX_30_PAGE: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate',
  read: AS_OF,
  backs:
    'veo-3.0-generate-001 and veo-3.0-fast-generate-001: GA 2025-07-29, retirement date 2026-06-30, migrate to ' +
    'veo-3.1-generate-001 / veo-3.1-fast-generate-001',
};
const VERTEX_20_PAGE: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/2-0-generate',
  read: '2026-12-01',
  backs: 'veo-2.0-generate-001 retired 2026-06-30, replacement veo-3.1-generate-001 (per the research note)',
};
const VERTEX_PREVIEWS: Source = {
  url: 'https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/veo/2-0-generate?hl=it',
  read: '2026-12-01',
  backs:
    'Veo 3.x preview ids "retired and removed on April 2, 2026" on Vertex (per the research note); a 404 ' +
    '"Publisher Model … veo-3.1-fast-generate-preview was not found" on 2026-04-03 (github.com/pollinations/' +
    'pollinations/issues/9900, read 2026-12-02) agrees',
};

const PREVIEWS_RETIRED = '2026-04-02';

/** Retired ids (tombstones). The Gemini API shut the 3.1 previews later (2026-10-22), but serves no Veo at all now. */
export const RETIRED_MODELS: readonly RetiredModel[] = [
  {
    id: 'veo-3.0-fast-generate-001',
    retiredOn: '2026-06-30',
    replacement: 'veo-3.1-fast-generate-001',
    source: VERTEX_30_PAGE,
  },
  {
    id: 'veo-3.0-generate-001',
    retiredOn: '2026-06-30',
    replacement: 'veo-3.1-generate-001',
    source: VERTEX_30_PAGE,
  },
  {
    id: 'veo-2.0-generate-001',
    retiredOn: '2026-06-30',
    replacement: 'veo-3.1-generate-001',
    source: VERTEX_20_PAGE,
  },
  ...(
    [
      ['veo-3.1-generate-preview', 'veo-3.1-generate-001'],
      ['veo-3.1-fast-generate-preview', 'veo-3.1-fast-generate-001'],
      ['veo-3.1-lite-generate-preview', 'veo-3.1-lite-generate-001'],
      ['veo-3.0-generate-preview', 'veo-3.1-generate-001'],
      ['veo-3.0-fast-generate-preview', 'veo-3.1-fast-generate-001'],
    ] as const
  ).map(([id, replacement]) => ({ id, retiredOn: PREVIEWS_RETIRED, replacement, source: VERTEX_PREVIEWS })),
];

export function findModel(id: string): ModelInfo | undefined {
  return MODELS.find((m) => m.id === id);
}

export function findRetired(id: string): RetiredModel | undefined {
  return RETIRED_MODELS.find((m) => m.id === id);
}

/** "veo-3.0-generate-001 was retired on 2026-06-30; use veo-3.1-generate-001 instead." */
export function retiredMessage(model: RetiredModel): string {
  return `${model.id} was retired on ${model.retiredOn} (Google no longer serves it); use ${model.replacement} instead.`;
}

/** The live ids served on `api`. */
export function liveModelIds(api: WireApi): string[] {
  return MODELS.filter((m) => m.backends.includes(api)).map((m) => m.id);
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

const list = (values: ReadonlyArray<string | number>): string =>
  values.map((v) => JSON.stringify(v)).join(', ');

function reject(field: string, value: unknown, allowed: string): never {
  throw new AppError('INVALID_ARGUMENT', `Invalid ${field}: ${describeValue(value)}. ${allowed}`);
}

/** List price of a generation in USD, rounded to cents. */
export function estimateCostUsd(
  model: ModelInfo,
  resolution: Resolution,
  audio: boolean,
  durationSeconds: number,
  numberOfVideos: number,
): number {
  const price = model.pricePerSecondUsd[resolution];
  if (!price) throw new AppError('INTERNAL', `The catalog has no ${resolution} price for ${model.id}`);
  const perSecond = audio ? price.audio : price.silent;
  return Math.round(perSecond * durationSeconds * numberOfVideos * 100) / 100;
}

/**
 * Checks arguments against the model's limits on this backend and fills defaults.
 * `hasImage` says whether an image was given (the prompt may then be empty).
 * A retired id is refused as INVALID_ARGUMENT: the caller's argument is what is wrong and changing it is the fix
 * (AIP-193: FAILED_PRECONDITION is for a system state the caller must change first), as for an unknown id.
 */
export function checkRequest(
  args: GenerationArgs,
  api: WireApi,
  defaultModel: string,
  hasImage: boolean,
): { request: Omit<VideoRequest, 'image'>; estimatedCostUsd: number; audio: boolean } {
  const modelId = args.model ?? defaultModel;
  const available = liveModelIds(api);
  const retired = findRetired(modelId);
  if (retired) reject('model', modelId, `${retiredMessage(retired)} Allowed: ${list(available)}.`);
  const model = findModel(modelId);
  if (!model) reject('model', modelId, `Allowed models on the ${api} backend: ${list(available)}.`);
  if (!model.backends.includes(api))
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
  if (!model.durations.includes(durationSeconds)) {
    reject(
      'duration_seconds',
      durationSeconds,
      `${modelId} on ${api} allows ${list(model.durations)} seconds.`,
    );
  }
  const resolution = (args.resolution ?? model.resolutions[0]!) as Resolution;
  if (!model.resolutions.includes(resolution)) {
    reject('resolution', resolution, `${modelId} on ${api} allows ${list(model.resolutions)}.`);
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
  if (args.seed !== undefined && !model.seed) {
    reject('seed', args.seed, `${modelId} takes no seed; omit seed.`);
  }
  const audio = args.generate_audio ?? true;

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
    generateAudio: audio,
    enhancePrompt: args.enhance_prompt,
  };
  const estimatedCostUsd = estimateCostUsd(model, resolution, audio, durationSeconds, numberOfVideos);
  return { request, estimatedCostUsd, audio };
}
