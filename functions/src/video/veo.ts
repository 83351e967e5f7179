// VideoGenerator over the real @google/genai SDK for Veo on Vertex AI (ADC). The Gemini API serves no Veo since
// 2026-10-22, and @google/genai 3 refuses generateVideos there.
// Maps our normalized request to the SDK's, parses done operations (videos, RAI filtering, errors) and maps HTTP
// failures to AppErrors with an honest `retryable`. The SDK is loaded on first use and retries nothing.
import { Readable } from 'node:stream';
import type { GenerateVideosOperation, GenerateVideosParameters, GoogleGenAI } from '@google/genai';
import type { Config } from '../config/index.js';
import type { WireApi } from '../operations/record.js';
import { AppError, type ErrorCode } from '../errors.js';
import {
  SubmitFailure,
  type GeneratedVideo,
  type GenerationStatus,
  type ImageInput,
  type MediaInputs,
  type ModelAvailability,
  type SubmitContext,
  type SubmitFailureKind,
  type VideoGenerator,
} from '../operations/ports.js';
import type { VideoRequest } from '../operations/record.js';
import { findModel, findRetired, liveModelIds, retiredMessage } from './catalog.js';

type Sdk = typeof import('@google/genai');

/** How long a model's availability answer is reused by this instance. */
export const AVAILABILITY_TTL_MS = 10 * 60_000;

export interface VeoAdapterOptions {
  veo: Config['veo'];
  /** Effective endpoint (VEO_BASE_URL or the embedded simulator); undefined means Google's own. */
  baseUrl?: string;
  /** Vertex only: the Pub/Sub topic (VEO_NOTICE_TOPIC) Veo publishes its operation-done notice to. */
  noticeTopic?: string;
}

export class VeoAdapter implements VideoGenerator {
  readonly api: WireApi;
  private client: Promise<{ sdk: Sdk; ai: GoogleGenAI }> | undefined;
  private readonly options: VeoAdapterOptions;
  private readonly availabilityCache = new Map<string, { at: number; value: Promise<ModelAvailability> }>();

  constructor(options: VeoAdapterOptions) {
    this.options = options;
    this.api = 'vertex';
  }

  /** Vertex writes Veo's outputs to outputGcsUri itself. */
  writesToStorage(): boolean {
    return true;
  }

  async submit(
    request: VideoRequest,
    inputs: MediaInputs,
    context: SubmitContext,
  ): Promise<{ operationName: string; simulated: boolean }> {
    const { ai } = await this.load();
    const params = toGenerateVideosParameters(request, inputs, context, this.options.noticeTopic);
    const operation = await this.call('submit', () => ai.models.generateVideos(params), request.model);
    if (!operation.name) {
      throw new SubmitFailure(
        'UPSTREAM',
        'Veo accepted the request but returned no operation name',
        'unknown',
        true,
      );
    }
    return { operationName: operation.name, simulated: isSimulated(operation) };
  }

  async poll(operationName: string): Promise<GenerationStatus> {
    const { sdk, ai } = await this.load();
    // The SDK needs its own operation class; a plain { name } object is rejected.
    const handle = new sdk.GenerateVideosOperation();
    handle.name = operationName;
    const operation = await this.call('poll', () => ai.operations.getVideosOperation({ operation: handle }));
    return parseOperation(operation);
  }

  /**
   * Vertex has no cancel for Veo's long-running operations: @google/genai 3.3.0's Operations offers only get and
   * getVideosOperation, and the REST reference documents no cancel for predictLongRunning (read 2026-12-02).
   */
  async cancel(): Promise<'unsupported'> {
    return 'unsupported';
  }

  async open(video: Exclude<GeneratedVideo, { kind: 'stored' }>): Promise<Readable> {
    // Without an output bucket (local blobs), Vertex returns the video bytes in the operation.
    if (video.kind !== 'inline') throw new AppError('INTERNAL', `Veo returns no ${video.kind} videos`);
    return Readable.from([Buffer.from(video.base64, 'base64')]);
  }

  /**
   * Whether Vertex serves the publisher model (GET publishers/google/models/{model}, @google/genai models.get; it
   * takes no project, so it says the model exists, not that this project may use it). Cached per instance for
   * AVAILABILITY_TTL_MS; a failure to ask is 'unknown', never an error of list_video_models.
   */
  availability(model: string): Promise<ModelAvailability> {
    const now = Date.now();
    const cached = this.availabilityCache.get(model);
    if (cached && now - cached.at < AVAILABILITY_TTL_MS) return cached.value;
    const value = this.askAvailability(model);
    this.availabilityCache.set(model, { at: now, value });
    return value;
  }

  private async askAvailability(model: string): Promise<ModelAvailability> {
    const checkedAt = new Date().toISOString();
    try {
      const { ai } = await this.load();
      await ai.models.get({ model });
      return { state: 'available', checkedAt };
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      const detail = (err instanceof Error ? err.message : String(err)).slice(0, 300);
      return { state: status === 404 ? 'not-found' : 'unknown', checkedAt, detail };
    }
  }

  private load(): Promise<{ sdk: Sdk; ai: GoogleGenAI }> {
    this.client ??= import('@google/genai').then((sdk) => ({ sdk, ai: this.createClient(sdk) }));
    return this.client;
  }

  private createClient(sdk: Sdk): GoogleGenAI {
    const { veo, baseUrl } = this.options;
    const httpOptions = { baseUrl, timeout: veo.timeoutMs };
    return new sdk.GoogleGenAI({
      vertexai: true,
      project: veo.project,
      location: veo.location,
      httpOptions,
      ...(veo.useGoogleCredentials
        ? {}
        : {
            googleAuthOptions: {
              authClient: {
                getRequestHeaders: async () => new Headers({ Authorization: 'Bearer simulator' }),
              } as never,
            },
          }),
    });
  }

  private async call<T>(what: 'submit' | 'poll', fn: () => Promise<T>, model?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toAppError(what, err, model);
    }
  }
}

function isSimulated(operation: GenerateVideosOperation): boolean {
  return (operation.metadata as Record<string, unknown> | undefined)?.['simulator'] === true;
}

const sdkImage = (image: ImageInput) => ({
  mimeType: image.reference.mimeType,
  ...(image.base64 ? { imageBytes: image.base64 } : { gcsUri: image.reference.uri }),
});

/**
 * Google's label rules (cloud.google.com/resource-manager/docs/labels-overview, read 2026-12-02): keys and values up
 * to 63 characters of lowercase letters, digits, _ and -; keys start with a letter. Principals are e-mails or key
 * ids, so they are folded into that alphabet; the operation id is kept whole (ours are lowercase already).
 */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);
}

/**
 * Our request to the SDK's: every mode (first frame, first + last frame, asset references, extension) and the
 * Vertex-only fields. `labels` name the operation and its principal so the owner's billing export attributes every
 * cent (Vertex copies request labels into billing: cloud.google.com/vertex-ai/docs/general/labels, read 2026-12-02).
 */
export function toGenerateVideosParameters(
  request: VideoRequest,
  inputs: MediaInputs,
  context: SubmitContext,
  noticeTopic?: string,
): GenerateVideosParameters {
  const video = request.video;
  return {
    model: request.model,
    source: {
      prompt: request.prompt,
      image: inputs.image && sdkImage(inputs.image),
      video: video && { uri: video.uri, mimeType: video.mimeType },
    },
    config: {
      numberOfVideos: request.numberOfVideos,
      aspectRatio: request.aspectRatio,
      durationSeconds: request.durationSeconds,
      resolution: request.resolution,
      negativePrompt: request.negativePrompt,
      personGeneration: request.personGeneration as never,
      seed: request.seed,
      generateAudio: request.generateAudio,
      enhancePrompt: request.enhancePrompt,
      lastFrame: inputs.lastFrame && sdkImage(inputs.lastFrame),
      referenceImages: inputs.referenceImages?.map((image) => ({
        image: sdkImage(image),
        referenceType: 'ASSET' as never,
      })),
      fps: request.fps,
      compressionQuality: request.compressionQuality as never,
      resizeMode: request.resizeMode as never,
      outputGcsUri: context.outputUri,
      pubsubTopic: noticeTopic,
      labels: {
        'veo-mcp-operation': labelValue(context.operationId),
        'veo-mcp-principal': labelValue(context.principal),
      },
    },
  };
}

/** Turns a done (or not) operation into what the domain needs. Never an empty success. */
export function parseOperation(operation: GenerateVideosOperation): GenerationStatus {
  if (!operation.done) {
    const progress = (operation.metadata as Record<string, unknown> | undefined)?.['progressPercent'];
    return { done: false, progressPercent: typeof progress === 'number' ? progress : undefined };
  }
  if (operation.error) {
    const error = operation.error as { code?: number; message?: string };
    return {
      done: true,
      error: {
        code: rpcCodeName(error.code),
        message: `Veo reported an error: ${error.message ?? 'no message'}`,
      },
    };
  }
  const response = operation.response;
  const videos: GeneratedVideo[] = [];
  for (const generated of response?.generatedVideos ?? []) {
    const video = generated.video;
    const mimeType = video?.mimeType ?? 'video/mp4';
    if (video?.uri?.startsWith('gs://')) videos.push({ kind: 'stored', uri: video.uri, mimeType });
    else if (video?.videoBytes) videos.push({ kind: 'inline', base64: video.videoBytes, mimeType });
  }
  return {
    done: true,
    videos,
    raiFilteredCount: response?.raiMediaFilteredCount ?? 0,
    raiReasons: response?.raiMediaFilteredReasons ?? [],
  };
}

const RPC_CODES: Record<number, string> = {
  1: 'CANCELLED',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};
const rpcCodeName = (code: number | undefined): string =>
  (code !== undefined && RPC_CODES[code]) || 'UPSTREAM';

/**
 * Maps SDK failures to AppErrors. A submit's failure says whether anything may have started (SubmitFailure): only a
 * 429 (quota), a 503 (Google's UNAVAILABLE: "the service is currently unavailable", which AIP-194 lists as safe to
 * retry) or a connection that never opened started nothing; a timeout, a 500/504 or a malformed answer may have
 * started (and will bill) a generation, so it is never sent again.
 */
export function toAppError(what: 'submit' | 'poll', err: unknown, model?: string): AppError {
  const status = (err as { status?: unknown }).status;
  const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
  const submit = what === 'submit';
  const failure = (code: ErrorCode, message: string, kind: SubmitFailureKind, outage: boolean): AppError =>
    submit ? new SubmitFailure(code, message, kind, outage) : new AppError(code, message, kind !== 'refused');
  if (typeof status === 'number') {
    if (status === 429) {
      return failure(
        'RESOURCE_EXHAUSTED',
        `Veo is rate limiting requests (HTTP 429): ${detail}`,
        'not-started',
        false,
      );
    }
    if (status === 503) {
      return failure('UPSTREAM', `Veo is unavailable (HTTP 503): ${detail}`, 'not-started', true);
    }
    if (status >= 500) {
      // On submit, a 5xx may still have started a job: never retry blindly.
      const unknown = submit ? ' — it may still have started the generation; not sent again' : '';
      return failure('UPSTREAM', `Veo failed with HTTP ${status}${unknown}: ${detail}`, 'unknown', true);
    }
    if (status === 401 || status === 403) {
      return failure(
        'PERMISSION_DENIED',
        `Veo refused the credentials (HTTP ${status}): ${detail}`,
        'refused',
        false,
      );
    }
    if (status === 404) {
      if (submit && model !== undefined)
        return failure('NOT_FOUND', modelNotFound(model, detail), 'refused', false);
      const thing = submit ? 'model' : 'operation';
      return failure('NOT_FOUND', `Veo does not know this ${thing} (HTTP 404): ${detail}`, 'refused', false);
    }
    return failure(
      'INVALID_ARGUMENT',
      `Veo rejected the request (HTTP ${status}): ${detail}`,
      'refused',
      false,
    );
  }
  const timedOut = err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
  if (!timedOut && neverConnected(err)) {
    return failure('UPSTREAM', `Veo could not be reached: ${detail}`, 'not-started', true);
  }
  const unknownOutcome = submit ? ' — Veo may still have started (and will bill) the generation' : '';
  const message = timedOut
    ? `Veo did not answer in time${unknownOutcome}: ${detail}`
    : `Veo could not be reached or answered malformed data${unknownOutcome}: ${detail}`;
  // Timeouts and malformed bodies: safe to retry a poll; a submit's outcome is unknown.
  return failure(timedOut ? 'DEADLINE_EXCEEDED' : 'UPSTREAM', message, 'unknown', true);
}

/**
 * Vertex's 404 on submit ("Publisher Model `projects/…/models/M` was not found or your project does not have access to
 * it", as in github.com/pollinations/pollinations/issues/9900, read 2026-12-02; "is no longer available" on the Gemini
 * API): the model, whether the catalog knows it as retired, and what to use instead.
 */
function modelNotFound(model: string, detail: string): string {
  const retired = findRetired(model);
  const live = liveModelIds('vertex').join(', ');
  const advice = retired
    ? retiredMessage(retired)
    : findModel(model)
      ? `${model} is in this server's catalog, so Google may have retired it since, or this project or region ` +
        `(GOOGLE_CLOUD_LOCATION) has no access to it; list_video_models shows the others: ${live}.`
      : `Use one of: ${live}.`;
  return `Veo has no model ${model} for this project (HTTP 404). ${advice} Google said: ${detail}`;
}

/** A connection that was refused or whose name did not resolve: the request never left this instance. */
function neverConnected(err: unknown): boolean {
  for (let cause: unknown = err, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
