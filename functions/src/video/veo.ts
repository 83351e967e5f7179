// VideoGenerator over the real @google/genai SDK for Veo on Vertex AI (ADC). The Gemini API serves no Veo since
// 2026-10-22, and @google/genai 3 refuses generateVideos there.
// Maps our normalized request to the SDK's, parses done operations (videos, RAI filtering, errors) and maps HTTP
// failures to AppErrors with an honest `retryable`. The SDK is loaded on first use and retries nothing.
import { Readable } from 'node:stream';
import type { GenerateVideosOperation, GenerateVideosParameters, GoogleGenAI } from '@google/genai';
import type { Config } from '../config/index.js';
import type { WireApi } from '../operations/record.js';
import { AppError } from '../errors.js';
import { AvailabilityCache, callFailure, modelNotFound, operationError, vertexClient } from './genai.js';
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
import type { VideoRequest } from '../operations/record.js';

type Sdk = typeof import('@google/genai');

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
  private readonly availabilityCache: AvailabilityCache;

  constructor(options: VeoAdapterOptions) {
    this.options = options;
    this.api = 'vertex';
    this.availabilityCache = new AvailabilityCache(async () => (await this.load()).ai);
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
   * takes no project, so it says the model exists, not that this project may use it), cached per instance.
   */
  availability(model: string): Promise<ModelAvailability> {
    return this.availabilityCache.get(model);
  }

  private load(): Promise<{ sdk: Sdk; ai: GoogleGenAI }> {
    this.client ??= import('@google/genai').then((sdk) => ({ sdk, ai: this.createClient(sdk) }));
    return this.client;
  }

  private createClient(sdk: Sdk): GoogleGenAI {
    const { veo, baseUrl } = this.options;
    return vertexClient(sdk, {
      project: veo.project,
      location: veo.location,
      baseUrl,
      timeoutMs: veo.timeoutMs,
      useGoogleCredentials: veo.useGoogleCredentials,
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
  // The input video: bytes from the blob store (local), or the gs:// URI Vertex reads itself.
  const video = inputs.video;
  return {
    model: request.model,
    source: {
      prompt: request.prompt,
      image: inputs.image && sdkImage(inputs.image),
      video: video && {
        mimeType: video.reference.mimeType,
        ...(video.base64 ? { videoBytes: video.base64 } : { uri: video.reference.uri }),
      },
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
    return { done: true, error: operationError('Veo', error.code, error.message ?? 'no message') };
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

/** Maps SDK failures to AppErrors (genai.ts callFailure), naming the model and its replacement on a submit's 404. */
export function toAppError(what: 'submit' | 'poll', err: unknown, model?: string): AppError {
  return callFailure(what, err, 'Veo', (detail) =>
    model === undefined
      ? `Veo does not know this model (HTTP 404): ${detail}`
      : modelNotFound('Veo', model, 'vertex', detail),
  );
}
