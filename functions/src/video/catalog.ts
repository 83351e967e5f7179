// The model catalog: one data table of the video models this server offers — Veo 3.1 on Vertex AI, Gemini Omni on
// Vertex AI and the Gemini API — what each accepts per mode, its list price, where each fact came from and when; and
// the retired ids, kept as tombstones so a call naming one is refused before any spend with the date and the
// replacement. It drives request checks (check.ts), the startup checks of VEO_DEFAULT_MODEL and
// VEO_SUBMITS_PER_MINUTE_BY_MODEL (config/loader.ts), list_video_models, cost estimates, the 404 mapping (veo.ts,
// omni.ts), the simulator's 404 for retired ids and the README's model table (npm run models-table).
//
// Rule for uncertain facts (issue 13): a ⚠ note says what is unconfirmed; a capability we cannot confirm is offered
// (the call goes through and Google's 400 becomes the error) rather than refused on a guess. Veo is served only by the
// Vertex AI API (the Gemini API shut its last Veo models on 2026-10-22); Omni by both, under different ids.
import type { WireApi } from '../operations/record.js';
import { AppError } from '../errors.js';

export const RESOLUTIONS = ['360p', '720p', '1080p', '4k'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Frame sizes by resolution label, landscape (portrait swaps them): Veo's and Omni's 16:9 frames. */
export const FRAME_SIZES: Readonly<Record<Resolution, { width: number; height: number }>> = {
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
  '4k': { width: 3840, height: 2160 },
};

/** The frame size of a resolution at an aspect ratio. */
export function frameSize(resolution: Resolution, aspectRatio: string): { width: number; height: number } {
  const { width, height } = FRAME_SIZES[resolution];
  return aspectRatio === '9:16' ? { width: height, height: width } : { width, height };
}

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

/** Model families: each has its own API (Veo: generateVideos; Omni: the Interactions API) and adapter. */
export const FAMILIES = ['veo', 'omni'] as const;
export type Family = (typeof FAMILIES)[number];

/** How a model extends a video (extend_video). */
export interface ExtensionRules {
  /** Seconds one step adds (Veo: 7); or the durations a step may ask for (Omni). */
  stepSeconds: readonly number[];
  /** The input video: length bounds and frame rate, as checked before spend (input-video.ts). */
  inputMinSeconds: number;
  inputMaxSeconds: number;
  inputFps?: number;
  /** The longest video a chain of extensions may reach, where documented. */
  maxTotalSeconds?: number;
  /** How the input is given: a stored MP4 (Veo: gs://) or the previous interaction (Omni, our own operations). */
  input: 'video' | 'interaction';
}

export interface ModelInfo {
  id: string;
  displayName: string;
  family: Family;
  /** The wire APIs that serve this model. */
  backends: readonly WireApi[];
  stage: 'GA' | 'preview';
  aspectRatios: readonly string[];
  durations: readonly number[];
  defaultDuration: number;
  /** Offered resolutions, the first is the default; each has a price. */
  resolutions: readonly Resolution[];
  maxVideos: number;
  /** 'optional': generate_audio is honoured (default true); 'always': the model always makes audio (Omni). */
  audio: 'optional' | 'always';
  seed: boolean;
  personGeneration: readonly string[];
  imageToVideo: boolean;
  /** First + last frame (last_frame, with image). */
  lastFrame: boolean;
  /** Most reference images (0: none). */
  maxReferenceImages: number;
  /** extend_video, when the model extends. */
  extension?: ExtensionRules;
  /** edit_video: a new turn on a previous result (Omni). */
  edit: boolean;
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
  family: Family;
  /** The APIs it was retired on (an id may live on one and be gone from the other). */
  backends: readonly WireApi[];
  /** YYYY-MM-DD the id stopped being served. */
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

const VERTEX_EXTEND: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/video/extend-a-veo-video',
  read: AS_OF,
  backs:
    'extension of Veo videos: input MP4, 1–30 s, 24 fps, 720p/1080p/4k, 16:9 or 9:16, 7 s added per step; models ' +
    'veo-3.1-generate-001, veo-3.1-fast-generate-001, veo-3.1-lite-generate-001 (read via a zh-cn copy and a mirror)',
};
const VERTEX_FRAMES: Source = {
  url: 'https://github.com/google-gemini/cookbook/blob/main/quickstarts/Get_started_Veo.ipynb',
  read: AS_OF,
  backs:
    'first + last frame: "you cannot use only an ending image, you always need to also add a starting one"; up to ' +
    '3 asset reference images on Veo 3.1',
};

/** Veo on Vertex extends by 7 s per step, from a 1–30 s, 24 fps MP4 (VERTEX_EXTEND). */
const VEO_EXTENSION: ExtensionRules = {
  stepSeconds: [7],
  inputMinSeconds: 1,
  inputMaxSeconds: 30,
  inputFps: 24,
  input: 'video',
};

const veo31 = (
  id: string,
  displayName: string,
  stage: ModelInfo['stage'],
  extra: Pick<
    ModelInfo,
    'resolutions' | 'pricePerSecondUsd' | 'sources' | 'uncertain' | 'maxReferenceImages'
  >,
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
  lastFrame: true,
  extension: VEO_EXTENSION,
  edit: false,
  asOf: AS_OF,
  ...extra,
});

/** The GA Veo 3.1 models: 720p and 1080p at one price, 4K at another (video-only 4K priced as with audio, ⚠). */
const REFERENCES_8S =
  '⚠ An older Vertex page said reference images work only at 8 s (and the Gemini API only at 720p 16:9); the ' +
  'current page does not say so: other durations go through and a Google 400 becomes the error.';
const FAST_REFERENCES =
  '⚠ Reference images on Fast: Google’s sample app switches Fast to Standard for them; no page says Fast refuses ' +
  'them, so they go through.';

const veo31GA = (id: string, displayName: string, hd: SecondPrice, fourK: SecondPrice): ModelInfo =>
  veo31(id, displayName, 'GA', {
    resolutions: ['720p', '1080p', '4k'],
    pricePerSecondUsd: { '720p': hd, '1080p': hd, '4k': fourK },
    maxReferenceImages: 3,
    sources: [VERTEX_VEO_31, VERTEX_PARAMS, SDK, GEMINI_4K, VERTEX_EXTEND, VERTEX_FRAMES, PRICES_31],
    uncertain: [
      FOUR_K_UNCONFIRMED,
      FOUR_K_SILENT,
      NO_1080P_RULE,
      REFERENCES_8S,
      ...(id.includes('fast') ? [FAST_REFERENCES] : []),
      PRICE_UNCONFIRMED,
    ],
  });

const SDK_310: Source = {
  url: 'https://github.com/googleapis/js-genai/releases/tag/v3.1.0',
  read: AS_OF,
  backs: 'gemini-omni-1.2-flash added and made the Gemini API video default (2026-11-10)',
};
const OMNI_SDK: Source = {
  url: 'https://www.npmjs.com/package/@google/genai/v/3.3.0 (dist/genai.d.ts interactions Model, VideoResponseFormat)',
  read: AS_OF,
  backs:
    'Interactions model ids gemini-omni-1.2-flash, gemini-omni-1.1-flash, gemini-omni-flash-preview; ' +
    'response_format video: aspect_ratio 16:9 / 9:16, duration, resolution 360p / 720p / 1080p / 4k, delivery ' +
    'inline / uri, gcs_uri (required on Vertex for uri); video_config.task text_to_video, image_to_video, ' +
    'reference_to_video, edit, extend',
};
const OMNI_INTERACTIONS: Source = {
  url: 'https://ai.google.dev/gemini-api/docs/video',
  read: AS_OF,
  backs: '"Use Gemini Omni Flash as your default model for video generation" (the Gemini API video page)',
};
const OMNI_12: Source = {
  url: 'https://muapi.ai/es/gemini-omni-1.2-flash',
  read: AS_OF,
  backs:
    'third party: 1.2 Flash clips of 3–15 s, 360p to 4K with native audio, first + optional last frame, up to six ' +
    'reference images, edit by instruction, from $0.023/s (also developer.civitai.com: runs on Google Cloud)',
};
const OMNI_11: Source = {
  url: 'https://docs.oxen.ai/inference-api/reference/models/gemini-omni-1-1-flash',
  read: AS_OF,
  backs:
    'third party: 1.1 Flash 3–10 s at 24 fps, 16:9 or 9:16, 360p / 720p (default) / 1080p / 4K, first and last ' +
    'frame, up to 3 reference images, edit, extensions of 3–10 s stacking to 40 s; GA 2026-08-27 (apidog)',
};
const OMNI_11_VERTEX: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/omni-1-1-flash',
  read: AS_OF,
  backs:
    'the Cloud model id is gemini-omni-1.1-flash-preview (as quoted in a public project note; page not read)',
};
const OMNI_PREVIEW_VERTEX: Source = {
  url: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/omni-flash-preview',
  read: AS_OF,
  backs:
    'gemini-omni-flash-preview: Preview, region global, released 2026-06-30, discontinuation 2027-06-30 on Agent ' +
    'Platform; 16:9 and 9:16, 720p, videos up to 10 s',
};
const OMNI_PREVIEW_PRICE: Source = {
  url: 'https://docs.gmicloud.ai/model-quickstarts/video/gemini-omni-flash-preview',
  read: AS_OF,
  backs: 'third party: $0.10 per second at 720p, 3–10 s in 1 s steps, up to 5 reference images',
};
const OMNI_PRICES =
  '⚠ Omni is billed in tokens; per-second prices are third-party conversions and size reservations only.';

/** Whether `values` are three or more consecutive whole seconds (shown as a range, "3–15", rather than a list). */
export const isSecondsRange = (values: readonly number[]): boolean =>
  values.length > 2 && values.every((v, i) => i === 0 || v === values[i - 1]! + 1);

/** Whole seconds from `from` to `to`. */
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Omni always makes audio: one price per resolution. */
const flat = (prices: Partial<Record<Resolution, number>>): ModelInfo['pricePerSecondUsd'] =>
  Object.fromEntries(Object.entries(prices).map(([r, usd]) => [r, { audio: usd, silent: usd }]));

/** A Gemini Omni model (Interactions API): one video per turn with audio; no negative prompt, seed or people rule. */
const omni = (
  id: string,
  displayName: string,
  backends: readonly WireApi[],
  stage: ModelInfo['stage'],
  extra: Pick<
    ModelInfo,
    | 'durations'
    | 'resolutions'
    | 'maxReferenceImages'
    | 'lastFrame'
    | 'pricePerSecondUsd'
    | 'sources'
    | 'uncertain'
  > & { extension?: ExtensionRules },
): ModelInfo => ({
  id,
  displayName,
  family: 'omni',
  backends,
  stage,
  aspectRatios: ['16:9', '9:16'],
  defaultDuration: 8,
  maxVideos: 1,
  audio: 'always',
  seed: false,
  personGeneration: [],
  imageToVideo: true,
  edit: true,
  asOf: AS_OF,
  ...extra,
});

/** Omni 1.1 Flash under one API's id: 3–10 s, up to 3 reference images, extensions stacking to 40 s (OMNI_11). */
const omni11 = (
  id: string,
  displayName: string,
  backends: readonly WireApi[],
  stage: ModelInfo['stage'],
  sources: readonly Source[],
  uncertain: readonly string[],
): ModelInfo =>
  omni(id, displayName, backends, stage, {
    durations: range(3, 10),
    resolutions: ['720p', '360p', '1080p', '4k'],
    maxReferenceImages: 3,
    lastFrame: true,
    extension: {
      stepSeconds: range(3, 10),
      inputMinSeconds: 1,
      inputMaxSeconds: 40,
      maxTotalSeconds: 40,
      input: 'interaction',
    },
    pricePerSecondUsd: flat({ '360p': 0.1, '720p': 0.1, '1080p': 0.15, '4k': 0.3 }),
    sources,
    uncertain: [
      ...uncertain,
      '⚠ 1080p and 4K prices unknown: reserved at 1.5× and 3× the 720p price (1.2’s ratios); 360p at the 720p price.',
      OMNI_PRICES,
    ],
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
    maxReferenceImages: 0,
    sources: [LITE, LITE_LIMITS, VERTEX_PARAMS, SDK, VERTEX_EXTEND],
    uncertain: [
      '⚠ Launch stage: Preview per one third party (apidog, 2026-11-06); no Google page read gives it.',
      '⚠ No 4K (two third parties; one reseller claims 4K); 4k is refused because no price is known to reserve.',
      '⚠ Durations, 4 videos per request and audio off follow the other Veo 3.1 models (third parties only).',
      '⚠ No reference images (celeste-python’s copy of the Vertex Lite page: "Not supported"): refused.',
      '⚠ Video-only price unknown: estimated at the audio price.',
      PRICE_UNCONFIRMED,
    ],
  }),
  omni('gemini-omni-1.2-flash', 'Gemini Omni 1.2 Flash', ['gemini', 'vertex'], 'GA', {
    durations: range(3, 15),
    resolutions: ['720p', '360p', '1080p', '4k'],
    maxReferenceImages: 6,
    lastFrame: true,
    extension: {
      stepSeconds: range(3, 10),
      inputMinSeconds: 1,
      inputMaxSeconds: 30,
      maxTotalSeconds: 30,
      input: 'interaction',
    },
    pricePerSecondUsd: flat({ '360p': 0.023, '720p': 0.07, '1080p': 0.104, '4k': 0.209 }),
    sources: [SDK_310, OMNI_SDK, OMNI_12, OMNI_INTERACTIONS],
    uncertain: [
      '⚠ Launch stage: GA assumed (the SDK made it the Gemini API video default on 2026-11-10); no Google page read ' +
        'gives its stage.',
      '⚠ Durations 3–15 s, up to 6 reference images and prices are from third parties (muapi, civitai, ' +
        'inference.sh); one says first + last frame allows at most 10 s: longer calls go through.',
      '⚠ On Vertex AI (location global) per third parties only; no Google model page for 1.2 was read.',
      '⚠ Extension totals: 30 s on the Gemini API per Vercel’s changelog, 40 s on Agent Platform per apidog: 30 s ' +
        'is enforced.',
      OMNI_PRICES,
    ],
  }),
  // Omni 1.1 Flash: one model, a different id on each API.
  omni11('gemini-omni-1.1-flash', 'Gemini Omni 1.1 Flash', ['gemini'], 'GA', [OMNI_SDK, OMNI_11], []),
  omni11(
    'gemini-omni-1.1-flash-preview',
    'Gemini Omni 1.1 Flash (Vertex AI id)',
    ['vertex'],
    'preview',
    [OMNI_11_VERTEX, OMNI_11],
    [
      '⚠ Launch stage and id on Vertex AI from a note quoting Google’s Omni 1.1 model card (not read directly).',
    ],
  ),
  omni('gemini-omni-flash-preview', 'Gemini Omni Flash Preview', ['vertex'], 'preview', {
    durations: range(3, 10),
    resolutions: ['720p'],
    maxReferenceImages: 3,
    lastFrame: false,
    pricePerSecondUsd: flat({ '720p': 0.1 }),
    sources: [OMNI_PREVIEW_VERTEX, OMNI_PREVIEW_PRICE],
    uncertain: [
      '⚠ No last frame and no extension in the preview (a third party, gmicloud); reference images capped at 3 ' +
        '(Google’s page allows 10 images per prompt, third parties 5).',
      OMNI_PRICES,
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
const OMNI_PREVIEW_GEMINI: Source = {
  url: 'https://github.com/TanStack/ai/pull/1273',
  read: AS_OF,
  backs:
    'third party: gemini-omni-flash-preview shut down on the Gemini API on 2026-09-30 after 1.1 Flash went GA ' +
    '(also withceleste/celeste-python PR #383); it stays on Vertex AI until 2027-06-30 (Google’s model page)',
};

/** Retired ids (tombstones). The Gemini API shut the 3.1 previews later (2026-10-22), but serves no Veo at all now. */
export const RETIRED_MODELS: readonly RetiredModel[] = [
  {
    id: 'veo-3.0-fast-generate-001',
    family: 'veo',
    backends: ['vertex', 'gemini'],
    retiredOn: '2026-06-30',
    replacement: 'veo-3.1-fast-generate-001',
    source: VERTEX_30_PAGE,
  },
  {
    id: 'veo-3.0-generate-001',
    family: 'veo',
    backends: ['vertex', 'gemini'],
    retiredOn: '2026-06-30',
    replacement: 'veo-3.1-generate-001',
    source: VERTEX_30_PAGE,
  },
  {
    id: 'veo-2.0-generate-001',
    family: 'veo',
    backends: ['vertex', 'gemini'],
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
  ).map(([id, replacement]): RetiredModel => ({
    id,
    family: 'veo',
    // Gone from the Gemini API too (2026-10-22): it serves no Veo at all.
    backends: ['vertex', 'gemini'],
    retiredOn: PREVIEWS_RETIRED,
    replacement,
    source: VERTEX_PREVIEWS,
  })),
  {
    id: 'gemini-omni-flash-preview',
    family: 'omni',
    backends: ['gemini'],
    retiredOn: '2026-09-30',
    replacement: 'gemini-omni-1.2-flash',
    source: OMNI_PREVIEW_GEMINI,
  },
];

export function findModel(id: string): ModelInfo | undefined {
  return MODELS.find((m) => m.id === id);
}

/** The tombstone of `id` on `api` (any API when not given). */
export function findRetired(id: string, api?: WireApi): RetiredModel | undefined {
  return RETIRED_MODELS.find((m) => m.id === id && (api === undefined || m.backends.includes(api)));
}

/**
 * "veo-3.0-generate-001 was retired on 2026-06-30 (…); use veo-3.1-generate-001 instead." On an API that does not
 * serve the replacement (Veo on the Gemini API), the API's default model is named, and where the replacement lives.
 */
export function retiredMessage(model: RetiredModel, api?: WireApi): string {
  // Name the API when the id lives on elsewhere (the Omni preview: retired on the Gemini API, live on Vertex AI).
  const where = findModel(model.id) ? ` on the ${model.backends.join(' and ')} API` : '';
  const servedHere = api === undefined || findModel(model.replacement)?.backends.includes(api);
  const instead = servedHere
    ? `use ${model.replacement} instead`
    : `use ${DEFAULT_MODELS[api]} on this ${api} API instead (${model.replacement} is served on Vertex AI only)`;
  return `${model.id} was retired${where} on ${model.retiredOn} (Google no longer serves it); ${instead}.`;
}

/**
 * The model used when a call names none, per API: on Vertex AI Veo 3.1 Fast (GA); on the Gemini API the current Omni
 * Flash (the SDK's own Gemini API video default since 3.1.0). VEO_DEFAULT_MODEL overrides it.
 */
export const DEFAULT_MODELS: Readonly<Record<WireApi, string>> = {
  vertex: 'veo-3.1-fast-generate-001',
  gemini: 'gemini-omni-1.2-flash',
};

/** The live ids served on `api`. */
export function liveModelIds(api: WireApi): string[] {
  return MODELS.filter((m) => m.backends.includes(api)).map((m) => m.id);
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
