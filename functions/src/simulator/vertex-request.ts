// What the simulator accepts in a Vertex AI predictLongRunning body for Veo 3.1, and how Vertex refuses the rest.
// Every field @google/genai 3.3.0 sends (generateVideosParametersToVertex, generateVideosConfigToVertex: read
// 2026-12-02) is read and checked here: instances[0] prompt, image, lastFrame, referenceImages, video; parameters
// sampleCount, durationSeconds, aspectRatio, resolution, generateAudio, negativePrompt, personGeneration, seed,
// storageUri, enhancePrompt, compressionQuality, resizeMode, fps, pubsubTopic; top-level labels.
//
// The simulator plays Google, so it keeps its own table of what each Vertex model takes rather than reading our
// catalog (video/catalog.ts): a catalog mistake then shows up as Google's refusal, as it would in production. Where
// Google's wording is known it is used verbatim, with its source; where only the rule is known the message is ours,
// in the same shape, and says so. Rules nobody has confirmed are not invented: such requests are accepted.
import {
  FPS,
  SIMULATOR_ASPECT_RATIOS,
  VEO_RESOLUTIONS,
  type AspectRatio,
  type SimResolution,
} from './assets.js';

/** A refusal Vertex answers with 400 INVALID_ARGUMENT. */
export class InvalidArgument extends Error {}

/**
 * What each live Veo model on Vertex takes, where it differs between them. Sources (read 2026-12-02): Vertex model
 * page docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-1-generate (asset reference images on
 * Veo 3.1); withceleste/celeste-python PR #402 (Lite: "Use reference images — Not supported") and docs.comfy.org
 * Veo3VideoGenerationNode (no 4K on Lite). Reference images on Fast are unconfirmed (⚠), so they are accepted.
 */
export const VERTEX_VEO_MODELS: Readonly<
  Record<
    string,
    {
      resolutions: readonly SimResolution[];
      referenceImages: boolean;
      /** As PublisherModel.launchStage says it; Lite's stage is unconfirmed (⚠ Preview per a third party). */
      launchStage: 'GA' | 'PUBLIC_PREVIEW';
    }
  >
> = {
  'veo-3.1-generate-001': { resolutions: VEO_RESOLUTIONS, referenceImages: true, launchStage: 'GA' },
  'veo-3.1-fast-generate-001': {
    resolutions: VEO_RESOLUTIONS,
    referenceImages: true,
    launchStage: 'GA',
  },
  'veo-3.1-lite-generate-001': {
    resolutions: ['720p', '1080p'],
    referenceImages: false,
    launchStage: 'PUBLIC_PREVIEW',
  },
};

/**
 * Durations per feature, in the order Vertex lists them in its refusal: "Unsupported output video duration 5
 * seconds, supported durations are [8,4,6] for feature text_to_video" (veo-3.1-fast-generate-001 and Lite, quoted in
 * public integrations: cheatcode-ai, litellm tests, nodetool; "[8] for feature reference_to_video" and "[8,4,6] for
 * feature image_to_video" likewise; "supported durations are [7]" for extensions). Vertex accepts such a submit and
 * fails the operation with code 3 INVALID_ARGUMENT ("Vertex AI accepted a Veo :predictLongRunning submit but the
 * async operation later failed", a public billing fix quoting it), so the simulator does the same.
 * ⚠ The feature names of interpolation and extension are not confirmed; these are ours.
 */
export const DURATIONS_BY_FEATURE = {
  text_to_video: [8, 4, 6],
  image_to_video: [8, 4, 6],
  interpolation: [8, 4, 6],
  reference_to_video: [8],
  video_extension: [7],
} as const;
export type Feature = keyof typeof DURATIONS_BY_FEATURE;

export function unsupportedDuration(seconds: number, feature: Feature): string {
  return (
    `Unsupported output video duration ${seconds} seconds, supported durations are ` +
    `[${DURATIONS_BY_FEATURE[feature].join(',')}] for feature ${feature}.`
  );
}

/** An image or video given inline or by Cloud Storage URI. */
export interface Media {
  bytes?: Buffer;
  gcsUri?: string;
  mimeType?: string;
}

/** A checked submit: what the simulator makes and what it records. */
export interface VertexSubmit {
  feature: Feature;
  prompt?: string;
  image?: Media;
  lastFrame?: Media;
  referenceImages?: Array<{ image: Media; referenceType: string }>;
  video?: Media;
  sampleCount: number;
  durationSeconds: number;
  /** Set when the request named one (an extension's output takes its input's shape otherwise). */
  aspectRatio?: AspectRatio;
  resolution: SimResolution;
  /** Veo 3.1 adds audio unless generateAudio is false. */
  audio: boolean;
  storageUri?: string;
  pubsubTopic?: string;
  labels?: Record<string, string>;
  /** Set when Vertex accepts the submit but fails the operation (an unsupported duration). */
  operationError?: string;
}

const INSTANCE_FIELDS = ['prompt', 'image', 'lastFrame', 'video', 'referenceImages'];
const PARAMETERS = [
  'sampleCount',
  'durationSeconds',
  'aspectRatio',
  'resolution',
  'generateAudio',
  'negativePrompt',
  'personGeneration',
  'seed',
  'storageUri',
  'enhancePrompt',
  'compressionQuality',
  'resizeMode',
  'fps',
  'pubsubTopic',
];

/**
 * Google's answer to a field a model does not take, verbatim from the Gemini API ("`numberOfVideos` isn't supported
 * by this model. Please remove it or refer to the Gemini API documentation for supported usage.": openclaw/openclaw
 * PR #64723, QuantumNous/new-api PR #7311, read 2026-12-02) with Vertex AI named instead. Also what a Veo 3.1 model
 * says to `mask` (mask editing was Veo 2's, retired 2026-06-30).
 */
export function notSupportedByModel(field: string): string {
  return (
    `\`${field}\` isn't supported by this model. Please remove it or refer to the Vertex AI documentation for ` +
    'supported usage.'
  );
}

/**
 * Vertex AI's own refusal of bad labels, verbatim (Vertex endpoint labels, statmike/vertex-ai-mlops#6, read
 * 2026-12-02), after the offending label. The rules agree with cloud.google.com/resource-manager/docs/labels-overview:
 * at most 64 labels; keys 1–63 and values 0–63 characters of lowercase letters, digits, _ and -, international
 * letters allowed; under 128 bytes each.
 */
export const LABEL_RULES =
  'There can be no more than 64 labels attached to a single resource. Label keys and values can only contain ' +
  'lowercase letters, numbers, dashes and underscores. Label keys must start with a letter or number, must be less ' +
  'than 64 characters in length, and must be less that 128 bytes in length when encoded in UTF-8. Label values must ' +
  'be less than 64 characters in length, and must be less that 128 bytes in length when encoded in UTF-8.';

const LABEL_KEY = /^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABELS = 64;

/** Image types Veo takes (Vertex Veo API reference, model-reference/veo-video-generation, read 2026-12-02). */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** The person-generation settings Vertex documents (VideoGenerationModelParams, read 2026-12-01). */
const PERSON_GENERATION = ['dont_allow', 'allow_adult', 'allow_all'];
/** Enum values as the REST reference writes them (lower case) and the SDK sends them (upper case): either works. */
const COMPRESSION_QUALITY = ['optimized', 'lossless'];
const RESIZE_MODE = ['pad', 'crop'];
/**
 * Asset images only, at most 3: "Use reference images: Asset images" (Veo 3.1 model page); style images were only
 * ever taken by veo-2.0-generate-exp (docs.cloud.google.com/vertex-ai/generative-ai/docs/video/
 * use-reference-images-to-guide-video-generation, "up to three asset images or one style image", read 2026-12-02).
 */
const MAX_REFERENCE_IMAGES = 3;
const MAX_SEED = 4_294_967_295;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(parameters: Record<string, unknown>, name: string): string | undefined {
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidArgument(`Invalid value for ${name}: expected a string, got ${show(value)}.`);
  }
  return value;
}

function optionalBoolean(parameters: Record<string, unknown>, name: string): boolean | undefined {
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    throw new InvalidArgument(`Invalid value for ${name}: expected true or false, got ${show(value)}.`);
  }
  return value;
}

function optionalInteger(
  parameters: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgument(
      `Invalid value for ${name}: expected an integer from ${min} to ${max}, got ${show(value)}.`,
    );
  }
  return value;
}

function optionalEnum(
  parameters: Record<string, unknown>,
  name: string,
  allowed: readonly string[],
): string | undefined {
  const value = optionalString(parameters, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value.toLowerCase())) {
    throw new InvalidArgument(
      `Invalid value for ${name}: ${show(value)}. Supported values are ${allowed.join(', ')}.`,
    );
  }
  return value.toLowerCase();
}

/** An image or video object: exactly one of bytesBase64Encoded and gcsUri, and an optional mimeType. */
function media(value: unknown, field: string, kind: 'image' | 'video'): Media {
  if (!isObject(value)) {
    throw new InvalidArgument(`Invalid value for ${field}: expected an object, got ${show(value)}.`);
  }
  const unknown = Object.keys(value).find(
    (key) => !['bytesBase64Encoded', 'gcsUri', 'mimeType'].includes(key),
  );
  if (unknown) {
    throw new InvalidArgument(
      `Invalid JSON payload received. Unknown name "${unknown}" at '${field}': Cannot find field.`,
    );
  }
  const { bytesBase64Encoded, gcsUri, mimeType } = value;
  if (bytesBase64Encoded === undefined && gcsUri === undefined) {
    // Vertex's words for a media part with neither (google-marketing-solutions/dreamboard#81, read 2026-12-02).
    throw new InvalidArgument(`No uri or raw bytes are provided in media content (${field}).`);
  }
  if (bytesBase64Encoded !== undefined && gcsUri !== undefined) {
    throw new InvalidArgument(
      `${field}: bytesBase64Encoded and gcsUri are one union field; set only one of them.`,
    );
  }
  if (mimeType !== undefined && typeof mimeType !== 'string') {
    throw new InvalidArgument(
      `Invalid value for ${field}.mimeType: expected a string, got ${show(mimeType)}.`,
    );
  }
  if (kind === 'image' && mimeType !== undefined && !IMAGE_TYPES.includes(mimeType)) {
    throw new InvalidArgument(
      `Unsupported MIME type ${show(mimeType)} for ${field}. Supported types: ${IMAGE_TYPES.join(', ')}.`,
    );
  }
  if (gcsUri !== undefined) {
    if (typeof gcsUri !== 'string' || !/^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]\/.+/.test(gcsUri)) {
      throw new InvalidArgument(
        `Invalid value for ${field}.gcsUri: expected gs://BUCKET/OBJECT, got ${show(gcsUri)}.`,
      );
    }
    return { gcsUri, mimeType };
  }
  const bytes =
    typeof bytesBase64Encoded === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(bytesBase64Encoded)
      ? Buffer.from(bytesBase64Encoded, 'base64')
      : undefined;
  if (!bytes || bytes.length === 0) {
    throw new InvalidArgument(`Invalid value for ${field}.bytesBase64Encoded: Base64 decoding failed.`);
  }
  return { bytes, mimeType };
}

function checkLabels(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    throw new InvalidArgument(`Invalid value for labels: expected an object of strings, got ${show(value)}.`);
  }
  const entries = Object.entries(value);
  const refuse = (detail: string) =>
    new InvalidArgument(`List of found errors:\t1.Field: labels; Message: ${detail} ${LABEL_RULES}`);
  if (entries.length > MAX_LABELS) throw refuse(`${entries.length} labels given.`);
  for (const [key, label] of entries) {
    if (typeof label !== 'string') {
      throw refuse(`Label ${show(key)} has the value ${show(label)}, not a string.`);
    }
    const tooLong = (text: string) => Buffer.byteLength(text) >= 128;
    if (!LABEL_KEY.test(key) || tooLong(key) || !LABEL_VALUE.test(label) || tooLong(label)) {
      throw refuse(`Label ${show(key)}: ${show(label)} is not allowed.`);
    }
  }
  return value as Record<string, string>;
}

/**
 * Checks a predictLongRunning body for `model` (a Vertex Veo model id in VERTEX_VEO_MODELS) as Vertex does before it
 * starts anything, and returns what to make. Throws InvalidArgument with Google's message. The input video of an
 * extension is checked separately (checkInputVideo) once its bytes are read.
 */
export function checkSubmit(model: string, body: unknown): VertexSubmit {
  const capabilities = VERTEX_VEO_MODELS[model];
  if (!capabilities) throw new Error(`checkSubmit: ${model} is not a simulated Vertex Veo model`);
  if (!isObject(body)) {
    throw new InvalidArgument('Invalid JSON payload received. Expected an object with instances.');
  }
  const unknownTop = Object.keys(body).find((key) => !['instances', 'parameters', 'labels'].includes(key));
  // Google's JSON parser's words for a field the request message does not have.
  if (unknownTop) {
    throw new InvalidArgument(
      `Invalid JSON payload received. Unknown name "${unknownTop}": Cannot find field.`,
    );
  }
  const { instances, parameters = {} } = body;
  if (!Array.isArray(instances) || instances.length !== 1 || !isObject(instances[0])) {
    throw new InvalidArgument('instances must hold exactly one instance object.');
  }
  if (!isObject(parameters)) {
    throw new InvalidArgument(`Invalid value for parameters: expected an object, got ${show(parameters)}.`);
  }
  const instance = instances[0];
  const unknownField =
    Object.keys(instance).find((key) => !INSTANCE_FIELDS.includes(key)) ??
    Object.keys(parameters).find((key) => !PARAMETERS.includes(key));
  if (unknownField) throw new InvalidArgument(notSupportedByModel(unknownField));

  const prompt = optionalString(instance, 'prompt');
  const image =
    instance['image'] === undefined ? undefined : media(instance['image'], 'instances[0].image', 'image');
  const lastFrame =
    instance['lastFrame'] === undefined
      ? undefined
      : media(instance['lastFrame'], 'instances[0].lastFrame', 'image');
  const video =
    instance['video'] === undefined ? undefined : media(instance['video'], 'instances[0].video', 'video');
  if (lastFrame && !image) {
    // The rule: "you cannot use only an ending image, you always need to also add a starting one" (google-gemini/
    // cookbook quickstarts/Get_started_Veo.ipynb, read 2026-12-02). The wording is ours.
    throw new InvalidArgument(
      'lastFrame requires image: a last frame can only be given together with a first frame.',
    );
  }
  if (video?.mimeType !== undefined && video.mimeType !== 'video/mp4') {
    // "Input video: MP4" (Vertex extend page, docs.cloud.google.com/…/video/extend-a-veo-video, read via a mirror).
    throw new InvalidArgument(`The input video must be an MP4 file (video/mp4), but got: ${video.mimeType}.`);
  }
  let referenceImages: VertexSubmit['referenceImages'];
  if (instance['referenceImages'] !== undefined) {
    if (!capabilities.referenceImages) throw new InvalidArgument(notSupportedByModel('referenceImages'));
    const list = instance['referenceImages'];
    if (!Array.isArray(list) || list.length === 0) {
      throw new InvalidArgument(
        `Invalid value for referenceImages: expected 1 to ${MAX_REFERENCE_IMAGES} reference images, got ${show(list)}.`,
      );
    }
    if (list.length > MAX_REFERENCE_IMAGES) {
      throw new InvalidArgument(
        `Too many reference images: at most ${MAX_REFERENCE_IMAGES} asset images are supported, got ${list.length}.`,
      );
    }
    referenceImages = list.map((entry: unknown, i) => {
      const field = `instances[0].referenceImages[${i}]`;
      if (!isObject(entry)) {
        throw new InvalidArgument(`Invalid value for ${field}: expected an object, got ${show(entry)}.`);
      }
      const type =
        typeof entry['referenceType'] === 'string' ? entry['referenceType'].toLowerCase() : undefined;
      if (type === 'style') {
        throw new InvalidArgument(
          `${field}.referenceType style isn't supported by ${model}: only asset reference images are supported.`,
        );
      }
      if (type !== 'asset') {
        throw new InvalidArgument(
          `Invalid value for ${field}.referenceType: ${show(entry['referenceType'])}. Supported values are asset.`,
        );
      }
      return { image: media(entry['image'], `${field}.image`, 'image'), referenceType: type };
    });
  }
  if (!prompt && !image && !video) throw new InvalidArgument('A prompt or an image is required.');

  const sampleCount = optionalInteger(parameters, 'sampleCount', 1, 4) ?? 1;
  const aspectRatio = optionalString(parameters, 'aspectRatio');
  if (aspectRatio !== undefined && !(SIMULATOR_ASPECT_RATIOS as readonly string[]).includes(aspectRatio)) {
    throw new InvalidArgument(
      `Unsupported aspect ratio ${show(aspectRatio)}. Supported aspect ratios are ${SIMULATOR_ASPECT_RATIOS.join(', ')}.`,
    );
  }
  const resolution = (optionalString(parameters, 'resolution')?.toLowerCase() ?? '720p') as SimResolution;
  if (!capabilities.resolutions.includes(resolution)) {
    throw new InvalidArgument(
      `Unsupported resolution ${show(parameters['resolution'])} for ${model}. Supported resolutions are ${capabilities.resolutions.join(', ')}.`,
    );
  }
  const generateAudio = optionalBoolean(parameters, 'generateAudio');
  optionalBoolean(parameters, 'enhancePrompt');
  optionalString(parameters, 'negativePrompt');
  const person = optionalString(parameters, 'personGeneration');
  if (person !== undefined && !PERSON_GENERATION.includes(person.toLowerCase())) {
    // Shaped on Google's "allow_adult for personGeneration is currently not supported." (discuss.ai.google.dev
    // t/181139, read 2026-12-02).
    throw new InvalidArgument(`${person} for personGeneration is currently not supported.`);
  }
  optionalInteger(parameters, 'seed', 0, MAX_SEED);
  optionalEnum(parameters, 'compressionQuality', COMPRESSION_QUALITY);
  optionalEnum(parameters, 'resizeMode', RESIZE_MODE);
  const fps = parameters['fps'];
  if (fps !== undefined && fps !== null && fps !== FPS) {
    // Veo 3.1 makes 24 fps video only (Veo 3.1 model page: "Frame rate: 24 FPS").
    throw new InvalidArgument(`Unsupported fps ${show(fps)}: this model generates ${FPS} fps video only.`);
  }
  const storageUri = optionalString(parameters, 'storageUri');
  if (storageUri !== undefined && !/^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(storageUri)) {
    throw new InvalidArgument(
      `Invalid value for storageUri: expected gs://BUCKET/PREFIX, got ${show(storageUri)}.`,
    );
  }
  const pubsubTopic = optionalString(parameters, 'pubsubTopic');
  if (pubsubTopic !== undefined && !/^projects\/[^/]+\/topics\/[^/]+$/.test(pubsubTopic)) {
    throw new InvalidArgument(
      `Invalid value for pubsubTopic: expected projects/PROJECT/topics/TOPIC, got ${show(pubsubTopic)}.`,
    );
  }
  const labels = checkLabels(body['labels']);

  const feature: Feature = video
    ? 'video_extension'
    : referenceImages
      ? 'reference_to_video'
      : lastFrame
        ? 'interpolation'
        : image
          ? 'image_to_video'
          : 'text_to_video';
  const rawDuration = parameters['durationSeconds'];
  if (
    rawDuration !== undefined &&
    rawDuration !== null &&
    (typeof rawDuration !== 'number' || !Number.isInteger(rawDuration))
  ) {
    throw new InvalidArgument(
      `Invalid value for durationSeconds: expected a whole number of seconds, got ${show(rawDuration)}.`,
    );
  }
  const durationSeconds = (rawDuration as number | undefined) ?? DURATIONS_BY_FEATURE[feature][0];
  const durationOk = (DURATIONS_BY_FEATURE[feature] as readonly number[]).includes(durationSeconds);
  return {
    feature,
    prompt,
    image,
    lastFrame,
    referenceImages,
    video,
    sampleCount,
    durationSeconds,
    aspectRatio: aspectRatio as AspectRatio | undefined,
    resolution,
    audio: generateAudio !== false,
    storageUri,
    pubsubTopic,
    labels,
    operationError: durationOk ? undefined : unsupportedDuration(durationSeconds, feature),
  };
}

/** Longest input an extension takes: "Video length: 1-30 seconds" (Vertex extend page, read via a mirror 2026-12-02). */
export const MAX_INPUT_SECONDS = 30;
const MIN_INPUT_SECONDS = 1;

/** What an extension's input video must be, given what its MP4 header says. Throws InvalidArgument. */
export function checkInputVideo(
  video: { brand: string; width: number; height: number; fps: number; durationSeconds: number },
  aspectRatio: AspectRatio | undefined,
  shape: { aspectRatio: AspectRatio; resolution: SimResolution } | undefined,
): void {
  // The rules are the Vertex extend page's (input MP4, 1–30 s, 24 fps, 720p/1080p/4k, 16:9 or 9:16); the wording
  // follows Google's "Aspect ratio of the input video must be 16:9, but got: 9:16" (googleapis/js-genai#1176).
  if (video.brand === 'qt  ') {
    throw new InvalidArgument('The input video must be an MP4 file, but got: a QuickTime (MOV) file.');
  }
  if (Math.abs(video.fps - FPS) > 0.01) {
    throw new InvalidArgument(
      `Frame rate of the input video must be ${FPS} fps, but got: ${+video.fps.toFixed(3)} fps.`,
    );
  }
  if (video.durationSeconds < MIN_INPUT_SECONDS || video.durationSeconds > MAX_INPUT_SECONDS) {
    throw new InvalidArgument(
      `Duration of the input video must be between ${MIN_INPUT_SECONDS} and ${MAX_INPUT_SECONDS} seconds, but got: ${+video.durationSeconds.toFixed(3)} seconds.`,
    );
  }
  if (!shape) {
    throw new InvalidArgument(
      `Resolution of the input video must be 720p, 1080p or 4k in 16:9 or 9:16, but got: ${video.width}x${video.height}.`,
    );
  }
  if (shape.aspectRatio !== (aspectRatio ?? '16:9')) {
    throw new InvalidArgument(
      `Aspect ratio of the input video must be ${aspectRatio ?? '16:9'}, but got: ${shape.aspectRatio}.`,
    );
  }
}
