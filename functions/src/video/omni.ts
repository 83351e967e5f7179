// VideoGenerator over the real @google/genai SDK (3.3.0) for Gemini Omni, which only the Interactions API serves, on
// the Gemini API (API key) or on Vertex AI (location global). One generation is one background interaction:
// create → get (poll) → cancel; an edit is a new interaction continuing the previous one (previous_interaction_id).
// Wire shapes as read in node_modules/@google/genai/dist (genai.d.ts: CreateModelInteraction, Interaction,
// VideoResponseFormat_2, VideoConfig, VideoContent, ImageContent; node/index.mjs: GeminiNextGenInteractions,
// buildGoogleGenAIClient) and Google's notebook GoogleCloudPlatform/generative-ai
// vision/getting-started/gemini_omni_1_1_flash_video_gen.ipynb (inputs per task), all read 2026-12-02.
// Every call is sent once: the Interactions client otherwise retries 408/409/429/5XX and connection errors up to 4
// times (retry_config in interactionsCreate), and a repeated create is a second bill.
import { Readable } from 'node:stream';
import type { GoogleGenAI, Interactions } from '@google/genai';
import { AppError } from '../errors.js';
import {
  SubmitFailure,
  type GeneratedVideo,
  type GenerationStatus,
  type ImageInput,
  type MediaInputs,
  type ModelAvailability,
  type SubmitContext,
  type VideoGenerator,
} from '../operations/ports.js';
import type { VideoRequest, WireApi } from '../operations/record.js';
import { AvailabilityCache, callFailure, modelNotFound, operationError, vertexClient } from './genai.js';

type Sdk = typeof import('@google/genai');
type Content = Interactions.Content;

/** The Gemini API's own host: the only place a `uri` video is downloaded from with the API key. */
const GEMINI_API_ORIGIN = 'https://generativelanguage.googleapis.com';
/** Each call exactly once (see the header). */
/** Redirects a video download may follow (the key is sent to the API's origin only). */
const MAX_REDIRECTS = 3;

const ONCE = { maxRetries: 0 } as const;

export interface OmniAdapterOptions {
  /** 'gemini': the Gemini API with an API key; 'vertex': Vertex AI with Google credentials (or the simulator's). */
  api: 'gemini' | 'vertex';
  /** Gemini API key (api 'gemini'); sent only in the x-goog-api-key header. */
  apiKey?: string;
  /** Vertex project (api 'vertex'). */
  project?: string;
  /** Vertex location; Omni is served from 'global' (the Omni notebook's default; the SDK's default too). */
  location?: string;
  /** Effective endpoint (a simulator); undefined means Google's own. */
  baseUrl?: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Vertex: use Application Default Credentials; false sends a placeholder bearer (the simulator's). */
  useGoogleCredentials: boolean;
  /** The clock for the availability cache (default Date.now). */
  now?: () => number;
}

export class OmniAdapter implements VideoGenerator {
  readonly api: 'gemini' | 'vertex';
  private client: Promise<GoogleGenAI> | undefined;
  private readonly options: OmniAdapterOptions;
  private readonly availabilityCache: AvailabilityCache;

  constructor(options: OmniAdapterOptions) {
    if (options.api === 'gemini' && !options.apiKey)
      throw new Error('OmniAdapter: the Gemini API needs apiKey');
    if (options.api === 'vertex' && !options.project) throw new Error('OmniAdapter: Vertex AI needs project');
    this.options = options;
    this.api = options.api;
    this.availabilityCache = new AvailabilityCache(() => this.load(), options.now);
  }

  /** Only Vertex writes Omni's videos to storage itself (delivery 'uri' with gcs_uri); the Gemini API never does. */
  writesToStorage(_model: string): boolean {
    return this.api === 'vertex';
  }

  async submit(
    request: VideoRequest,
    inputs: MediaInputs,
    context: SubmitContext,
  ): Promise<{ operationName: string; simulated: boolean }> {
    const params = toInteractionParams(this.api, request, inputs, context);
    const ai = await this.load();
    const interaction = await ai.interactions
      .create(params, ONCE)
      .catch(rethrow('submit', this.api, request.model));
    if (typeof interaction.id !== 'string' || !interaction.id) {
      throw new SubmitFailure(
        'UPSTREAM',
        'Gemini Omni accepted the request but returned no interaction id',
        'unknown',
        true,
      );
    }
    return { operationName: interaction.id, simulated: isSimulated(interaction) };
  }

  async poll(operationName: string, _model: string): Promise<GenerationStatus> {
    const ai = await this.load();
    const interaction = await ai.interactions
      .get(operationName, undefined, ONCE)
      .catch(rethrow('poll', this.api));
    return parseInteraction(interaction);
  }

  /**
   * Interactions can be cancelled while they run (POST /{v}/interactions/{id}/cancel). Only an interaction the answer
   * shows cancelled was stopped; one that had already finished may be billed ('finished').
   */
  async cancel(operationName: string, _model: string): Promise<'cancelled' | 'finished'> {
    const ai = await this.load();
    const answer = await ai.interactions
      .cancel(operationName, undefined, ONCE)
      .catch(rethrow('poll', this.api));
    return (answer as { status?: unknown } | undefined)?.status === 'cancelled' ? 'cancelled' : 'finished';
  }

  /**
   * Inline videos are decoded; a 'remote' video (the Gemini API's delivery 'uri') is streamed from the API with the key
   * in the x-goog-api-key header, never in the URL, and only from the API's own origin.
   */
  async open(video: Exclude<GeneratedVideo, { kind: 'stored' }>, _model?: string): Promise<Readable> {
    if (video.kind === 'inline') return Readable.from([Buffer.from(video.base64, 'base64')]);
    const expected = new URL(this.options.baseUrl ?? GEMINI_API_ORIGIN).origin;
    const url = new URL(video.uri);
    if (this.api !== 'gemini' || url.origin !== expected) {
      throw new AppError(
        'UPSTREAM',
        `Gemini Omni reported a video at ${url.origin}, not at ${expected}: not fetched`,
      );
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const response = await this.download(url, expected, controller.signal);
      if (!response.ok || !response.body) {
        const status = response.status;
        await response.body?.cancel();
        throw new AppError(
          'UPSTREAM',
          `Downloading the Omni video failed with HTTP ${status}`,
          status >= 500,
        );
      }
      clearTimeout(timer);
      return Readable.fromWeb(response.body as never);
    } catch (err) {
      clearTimeout(timer);
      if (err instanceof AppError) throw err;
      throw new AppError('UPSTREAM', `Downloading the Omni video failed: ${(err as Error).message}`, true);
    }
  }

  /**
   * GETs a file, following at most MAX_REDIRECTS redirects by hand: the key goes only to the API's own origin (fetch
   * would carry the header to wherever a redirect points, e.g. a signed storage URL that needs no key).
   */
  private async download(url: URL, apiOrigin: string, signal: AbortSignal): Promise<Response> {
    let at = url;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> =
        at.origin === apiOrigin ? { 'x-goog-api-key': this.options.apiKey! } : {};
      const response = await fetch(at, { headers, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw new AppError(
          'UPSTREAM',
          `Downloading the Omni video: more than ${MAX_REDIRECTS} redirects`,
          true,
        );
      }
      at = new URL(location, at);
      if (at.protocol !== 'https:' && at.origin !== apiOrigin) {
        throw new AppError('UPSTREAM', `Downloading the Omni video: redirected to ${at.protocol} URL`, false);
      }
    }
  }

  /**
   * Whether the API serves the model (ai.models.get: GET /{v}/models/{id} on the Gemini API, with the key, so it
   * speaks for this key; GET /{v}/publishers/google/models/{id} on Vertex, which says the model exists). Cached per
   * instance for 10 minutes; a failure to ask is 'unknown', never an error.
   */
  availability(model: string): Promise<ModelAvailability> {
    return this.availabilityCache.get(model);
  }

  private load(): Promise<GoogleGenAI> {
    this.client ??= import('@google/genai').then((sdk) => this.createClient(sdk));
    return this.client;
  }

  private createClient(sdk: Sdk): GoogleGenAI {
    const { api, apiKey, baseUrl, timeoutMs } = this.options;
    if (api === 'gemini')
      return new sdk.GoogleGenAI({ apiKey, httpOptions: { baseUrl, timeout: timeoutMs } });
    return vertexClient(sdk, { ...this.options, location: this.options.location ?? 'global' });
  }
}

const rethrow =
  (what: 'submit' | 'poll', api: WireApi, model?: string) =>
  (err: unknown): never => {
    throw omniError(what, err, api, model);
  };

function isSimulated(interaction: object): boolean {
  return (interaction as Record<string, unknown>)['simulator'] === true;
}

/** An image as Interactions content: bytes inline, or a gs:// URI (Vertex only; the Gemini API cannot read GCS). */
function imageContent(api: 'gemini' | 'vertex', image: ImageInput, role: string): Content {
  const mime_type = image.reference.mimeType;
  if (image.base64) return { type: 'image', mime_type, data: image.base64 };
  const uri = image.reference.uri;
  if (api === 'gemini' || !uri?.startsWith('gs://')) {
    const from = uri ? `from ${uri}` : 'without its bytes';
    const needs =
      api === 'gemini' ? 'the Gemini API needs the image bytes' : 'Vertex needs its bytes or a gs:// URI';
    throw new SubmitFailure(
      'INVALID_ARGUMENT',
      `Cannot send the ${role} ${from}: ${needs}`,
      'refused',
      false,
    );
  }
  return { type: 'image', mime_type, uri };
}

/**
 * Our request as an interaction: `input` is the prompt then the media in the order Google's notebook sends them
 * (first frame, last frame — both with task image_to_video —, reference images with reference_to_video); an edit or
 * extension continues the parent's interaction (previous_interaction_id) with a text turn, or else sends the input
 * video (its bytes, or its gs:// URI on Vertex) with task edit / extend. Vertex writes the
 * video to the operation's output URI (delivery 'uri' + gcs_uri, "required for Vertex if delivery mode is URI":
 * genai.d.ts) or returns it inline; the Gemini API returns a file URI (delivery 'uri'), downloaded with the key.
 */
export function toInteractionParams(
  api: 'gemini' | 'vertex',
  request: VideoRequest,
  inputs: MediaInputs,
  context: SubmitContext,
): Interactions.InteractionCreateParams.CreateModelInteractionParamsNonStreaming {
  const mode = request.mode ?? 'generate';
  const input: Content[] = [];
  if (request.prompt) input.push({ type: 'text', text: request.prompt });
  if (inputs.image) input.push(imageContent(api, inputs.image, 'first frame'));
  if (inputs.lastFrame) input.push(imageContent(api, inputs.lastFrame, 'last frame'));
  for (const [n, image] of (inputs.referenceImages ?? []).entries()) {
    input.push(imageContent(api, image, `reference image ${n + 1}`));
  }
  // An interaction id continues as previous_interaction_id; a Veo operation name (projects/…/operations/…) cannot.
  const upstream = mode === 'generate' ? undefined : request.parent?.upstreamName;
  const previous = upstream && !upstream.includes('/') ? upstream : undefined;
  const video = inputs.video ?? (request.video && { reference: request.video });
  if (mode !== 'generate' && !previous && video) {
    const { mimeType: mime_type, uri } = video.reference;
    if (video.base64) input.push({ type: 'video', mime_type, data: video.base64 });
    else if (api === 'vertex' && uri.startsWith('gs://')) input.push({ type: 'video', mime_type, uri });
    else {
      const needs =
        api === 'gemini' ? 'the Gemini API needs its bytes' : 'Vertex needs its bytes or a gs:// URI';
      throw new SubmitFailure(
        'INVALID_ARGUMENT',
        `Cannot send the video to ${mode} from ${uri}: ${needs}`,
        'refused',
        false,
      );
    }
  }
  if (mode !== 'generate' && !previous && !video) {
    throw new SubmitFailure(
      'INVALID_ARGUMENT',
      `An Omni ${mode} continues a previous interaction, but the parent operation has none recorded`,
      'refused',
      false,
    );
  }
  const task =
    mode !== 'generate'
      ? mode
      : inputs.referenceImages?.length
        ? 'reference_to_video'
        : inputs.image
          ? 'image_to_video'
          : 'text_to_video';
  const gcsUri = api === 'vertex' ? context.outputUri : undefined;
  return {
    model: request.model,
    input,
    background: true,
    ...(previous ? { previous_interaction_id: previous } : {}),
    generation_config: { video_config: { task } },
    response_format: {
      type: 'video',
      aspect_ratio: request.aspectRatio,
      duration: `${request.durationSeconds}s`,
      ...(request.resolution ? { resolution: request.resolution } : {}),
      delivery: api === 'gemini' || gcsUri ? 'uri' : 'inline',
      ...(gcsUri ? { gcs_uri: gcsUri } : {}),
    },
  };
}

/**
 * A blocked video's failure (⚠ the Interactions API documents no separate shape: the simulator and this parser use
 * the model_output step's google.rpc.Status with status 'failed'); words Google's safety answers use.
 */
const SAFETY_WORDS = /safety|blocked|prohibited|content polic|responsible ai|filtered/i;

/** Turns an interaction into what the domain needs. Never an empty success. */
export function parseInteraction(interaction: Interactions.Interaction): GenerationStatus {
  const status = interaction.status;
  if (status === 'in_progress' || status === 'queued') return { done: false };
  const outputs = (interaction.steps ?? []).filter(
    (step): step is Interactions.ModelOutputStep => step.type === 'model_output',
  );
  if (status === 'completed') {
    const videos: GeneratedVideo[] = [];
    for (const content of outputs.flatMap((step) => step.content ?? [])) {
      if (content.type !== 'video') continue;
      const mimeType = content.mime_type ?? 'video/mp4';
      if (content.data) videos.push({ kind: 'inline', base64: content.data, mimeType });
      else if (content.uri?.startsWith('gs://')) videos.push({ kind: 'stored', uri: content.uri, mimeType });
      else if (content.uri) videos.push({ kind: 'remote', uri: content.uri, mimeType });
    }
    if (videos.length > 0) return { done: true, videos, raiFilteredCount: 0, raiReasons: [] };
    return { done: true, error: { code: 'UPSTREAM', message: 'Gemini Omni completed without a video' } };
  }
  if (status === 'cancelled') {
    return { done: true, error: { code: 'CANCELLED', message: 'The Omni interaction was cancelled' } };
  }
  const stepError = outputs.find((step) => step.error)?.error;
  const message =
    stepError?.message ?? interaction.errors?.map((e) => e.message).join(' ') ?? `status ${String(status)}`;
  if (status === 'failed' && SAFETY_WORDS.test(message)) {
    return { done: true, videos: [], raiFilteredCount: 1, raiReasons: [message] };
  }
  return {
    done: true,
    error: operationError('Gemini Omni', stepError?.code, `${String(status)}: ${message}`),
  };
}

/** A failed Interactions call as an AppError (genai.ts callFailure); a submit's 404 names the model. */
export function omniError(what: 'submit' | 'poll', err: unknown, api: WireApi, model?: string): AppError {
  return callFailure(what, err, 'Gemini Omni', (detail) =>
    model === undefined
      ? `Gemini Omni does not know this model (HTTP 404): ${detail}`
      : modelNotFound('Gemini Omni', model, api, detail),
  );
}
