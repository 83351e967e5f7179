// The Veo simulator: a local HTTP server speaking Veo's Vertex AI wire protocol, so the real @google/genai SDK runs
// unchanged (the Gemini API serves no Veo since 2026-10-22):
//   POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:predictLongRunning
//                POST /v1beta1/.../models/{model}:fetchPredictOperation  {operationName}
// It takes every field @google/genai 3.3.0 sends for Veo 3.1 and refuses what Vertex refuses (vertex-request.ts), and
// returns real, playable test-pattern MP4s (marked SIMULATED) that have the requested aspect ratio, resolution,
// length and 24 fps (assets.ts; an extension returns its input's length + 7 s) after a delay. It injects faults on
// request: a prompt containing [sim:FAULT] selects one (see FAULTS). Every operation carries metadata.simulator = true.
// Like Vertex it can refuse submits beyond a per-minute quota (submitsPerMinute) and go down for a while
// (outage(), or POST /simulator/outage for a standalone simulator shared by several processes), and it answers a
// submit naming a retired model (video/catalog.ts RETIRED_MODELS) or one Vertex never served for Veo with Vertex's 404
// NOT_FOUND.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FPS, frameSize, makeVideo, shapeOf, type AspectRatio, type SimResolution } from './assets.js';
import { readMp4, type Mp4Video } from './mp4-reader.js';
import {
  checkInputVideo,
  checkSubmit,
  DURATIONS_BY_FEATURE,
  InvalidArgument,
  VERTEX_VEO_MODELS,
  type Media,
  type VertexSubmit,
} from './vertex-request.js';
import { findRetired } from '../video/catalog.js';
import { InteractionsSimulator } from './interactions.js';

export const FAULTS = [
  'submit-429',
  'submit-500',
  'submit-malformed',
  'submit-slow',
  'poll-429',
  'poll-500',
  'poll-malformed',
  'poll-slow',
  'rai',
  'rai-partial',
  'error',
  'never',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface SimulatorOptions {
  /** Seconds from submit until the operation is done (default 4); `[sim:delay=N]` in a prompt overrides it. */
  delaySeconds?: number;
  /**
   * Accepted predictLongRunning submits allowed per model in any 60-second window, as Vertex's per-minute quota
   * (undefined or 0: unlimited). Beyond it a submit gets Vertex's 429 RESOURCE_EXHAUSTED and starts nothing.
   */
  submitsPerMinute?: number;
  /** The simulator's time in epoch ms (default Date.now): the quota window, outages and done times read it. */
  now?: () => number;
  /** How long a "-slow" fault holds the response (default 3000 ms). */
  slowMs?: number;
  /** Writes an object to gs:// for Vertex requests with storageUri (as Veo does); without it such requests fail. */
  writeObject?: (gcsUri: string, bytes: Buffer, contentType: string) => Promise<void>;
  /**
   * Reads a gs:// object, as Veo reads an extension's input video by gcsUri. Without it the simulator knows only
   * the videos it wrote itself, and refuses other gs:// inputs.
   */
  readObject?: (gcsUri: string) => Promise<Buffer>;
  /** Publishes Vertex's completion notice to the request's pubsubTopic when the operation is done. */
  notify?: (topic: string, notice: { name: string; done: true }) => Promise<void>;
}

export interface SimulatorStats {
  /** Accepted submits (each created an operation). */
  submits: number;
  /** Polls answered (not counting those refused by an outage). */
  polls: number;
  /** Submits refused as invalid (400). */
  rejected: number;
  notices: number;
  /** Submits refused with 429 because the model's per-minute quota was spent. */
  quotaRefusals: number;
  /** Submits and polls refused because an outage was on. */
  outageRefusals: number;
  /**
   * Epoch ms of each accepted submit, keyed by the model's resource name
   * (`projects/P/locations/L/publishers/google/models/M`: the quota's project, region and model), in order.
   */
  submitTimes: Record<string, number[]>;
}

/** One predictLongRunning request as it arrived (a retired or unknown model included), and the status answered. */
export interface SubmitRecord {
  model: string;
  /** The JSON body exactly as sent: tests assert the wire fields the SDK produced. */
  body: unknown;
  status: number;
  /** The operation it started, when accepted. */
  operationName?: string;
}

/** How many submits `requests` keeps (the oldest are dropped): bodies carry base64 media. */
export const KEPT_REQUESTS = 20;

/**
 * Vertex's text for videos its safety filters removed, in the shape Vertex reports it ("Veo could not generate 1
 * videos based on the prompt provided. You will not be charged for this request. Try rephrasing the prompt. If you
 * think this was an error, send feedback. Support codes: 42237218", DaWe35/image-router#41, read 2026-12-02). 42237218
 * is "Video safety violation" in Google's support-code table (docs.cloud.google.com/vertex-ai/generative-ai/docs/
 * video/responsible-ai-and-usage-guidelines, read 2026-12-02). Filtered videos are absent from `videos`.
 */
export function raiFilteredReason(count: number): string {
  return (
    `Veo could not generate ${count} videos based on the prompt provided. You will not be charged for this ` +
    'request. Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 42237218'
  );
}

/** Seconds an extension adds: Veo 3.1 extends by 7 s per call (Vertex extend page; cookbook Get_started_Veo). */
export const EXTENSION_SECONDS = DURATIONS_BY_FEATURE.video_extension[0];

/** The statuses an outage answers with, and Google's messages for them. */
export const OUTAGE_ERRORS = {
  // Google's 503 text as Vertex AI answers it: firebase/firebase-js-sdk#8232 (2024-05-08), with the full body in
  // google-gemini/gemini-cli#11196 (2025-10-15); Vertex's 500 text: googleapis/python-aiplatform#5004 (2025-03-04).
  // All read 2026-12-02.
  503: { status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  500: { status: 'INTERNAL', message: 'Internal error encountered.' },
} as const;
export type OutageStatus = keyof typeof OUTAGE_ERRORS;

export interface OutageRequest {
  /** How long every submit and poll fails, from now; 0 ends an outage. At most MAX_OUTAGE_SECONDS. */
  seconds: number;
  /** 503 UNAVAILABLE (default) or 500 INTERNAL. */
  status?: OutageStatus;
}

export const MAX_OUTAGE_SECONDS = 86_400;
const QUOTA_WINDOW_MS = 60_000;

/**
 * Vertex's answer when a base model's per-minute quota is spent. Google's quotas page (cloud.google.com/vertex-ai/
 * generative-ai/docs/quotas, read 2026-12-02): quotas "apply to Generative AI on Vertex AI requests for a given Google
 * Cloud project and supported region" and the per-minute quota "applies to a base model"; the Veo 3 model page
 * (…/docs/models/veo/3-0-generate-001) gives "Maximum API requests per minute per project: 10". The text is Vertex's
 * as reported for publisher models in cline/cline#651 and cg-dot/vertexai-cf-workers#18 (2024), and for
 * veo-3.0-generate-001 in public Veo integrations (read 2026-12-02); Veo 3.1 reports name the metric
 * long_running_online_prediction_requests_per_base_model instead, with the same shape.
 */
export function quotaExceededMessage(model: string): string {
  return (
    `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: ` +
    `${model}. Please submit a quota increase request. ` +
    'https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.'
  );
}

/**
 * Vertex's answer to a submit naming a model it does not serve (retired, or never existed), verbatim from a 404 for
 * veo-3.1-fast-generate-preview on 2026-04-03, the day after the Veo 3.x previews were retired on Vertex
 * (github.com/pollinations/pollinations/issues/9900, read 2026-12-02).
 */
export function publisherModelNotFound(modelName: string): string {
  return (
    `Publisher Model \`${modelName}\` was not found or your project does not have access to it. ` +
    'Please ensure you are using a valid model version. For more information, see: ' +
    'https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions'
  );
}

/** What is wrong with an outage request (naming the field, the value and what is allowed), or undefined. */
export function outageProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'the body must be a JSON object: {"seconds": N, "status": 503 | 500}';
  }
  const unknown = Object.keys(input).filter((key) => key !== 'seconds' && key !== 'status');
  if (unknown.length > 0) {
    return `unknown field ${JSON.stringify(unknown[0])}: allowed fields are seconds, status`;
  }
  const { seconds, status } = input as Record<string, unknown>;
  if (
    typeof seconds !== 'number' ||
    !Number.isFinite(seconds) ||
    seconds < 0 ||
    seconds > MAX_OUTAGE_SECONDS
  ) {
    return `seconds must be a number from 0 to ${MAX_OUTAGE_SECONDS} (fractions allowed), got ${JSON.stringify(seconds) ?? 'nothing'}`;
  }
  if (status !== undefined && !(status === 503 || status === 500)) {
    return `status must be 503 (UNAVAILABLE) or 500 (INTERNAL), got ${JSON.stringify(status)}`;
  }
  return undefined;
}

/** The video an operation makes: its shape, length in frames, and whether it has (silent) audio. */
interface VideoShape {
  aspectRatio: AspectRatio;
  resolution: SimResolution;
  frames: number;
  audio: boolean;
}

interface SimOperation {
  name: string;
  doneAt: number;
  fault?: Fault;
  faultSpent: boolean;
  video: VideoShape;
  sampleCount: number;
  storageUri?: string;
  /** Vertex accepted the submit but fails the operation with code 3 INVALID_ARGUMENT and this message. */
  invalid?: string;
  /** Vertex with storageUri: the objects Veo writes when the operation completes. */
  written?: Promise<string[]>;
}

const VERTEX_MODEL =
  /^\/v1(?:beta1)?\/projects\/([\w.-]+)\/locations\/([\w-]+)\/publishers\/google\/models\/([\w.-]+):(predictLongRunning|fetchPredictOperation)$/;

/** GET publishers/google/models/{model}: @google/genai's models.get on Vertex (no project or location in the path). */
const PUBLISHER_MODEL = /^\/v1(?:beta1)?\/publishers\/google\/models\/([\w.-]+)$/;

export class VeoSimulator {
  /** Emits 'completed' (operation name) when a Vertex operation with outputs in storage has written them. */
  readonly events = new EventEmitter();
  readonly stats: SimulatorStats = {
    submits: 0,
    polls: 0,
    rejected: 0,
    notices: 0,
    quotaRefusals: 0,
    outageRefusals: 0,
    submitTimes: {},
  };
  /** Every predictLongRunning request, latest last (at most KEPT_REQUESTS). */
  readonly requests: SubmitRecord[] = [];
  private readonly operations = new Map<string, SimOperation>();
  /** The videos this simulator wrote to gs://, so an extension can name one without a GCS reader. */
  private readonly written = new Map<string, VideoShape>();
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly delaySeconds: number;
  private readonly slowMs: number;
  private readonly options: SimulatorOptions;
  private readonly now: () => number;
  private readonly submitsPerMinute: number;
  /** The outage in force until `until` (epoch ms on `now`), if any. */
  private down?: { until: number; status: OutageStatus };
  /** The Interactions API (Gemini Omni) on both backends, sharing this simulator's clock, outages and options. */
  readonly interactions: InteractionsSimulator;

  constructor(options: SimulatorOptions = {}) {
    this.options = options;
    this.delaySeconds = options.delaySeconds ?? 4;
    this.slowMs = options.slowMs ?? 3000;
    this.now = options.now ?? Date.now;
    this.submitsPerMinute = options.submitsPerMinute ?? 0;
    if (!Number.isInteger(this.submitsPerMinute) || this.submitsPerMinute < 0) {
      throw new RangeError(
        `submitsPerMinute must be an integer >= 0 (0: unlimited), got ${options.submitsPerMinute}`,
      );
    }
    this.interactions = new InteractionsSimulator({
      options,
      now: this.now,
      delaySeconds: this.delaySeconds,
      outage: () => this.outageNow(),
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', `Simulator failure: ${(err as Error).message}`);
        else res.destroy();
      });
    });
  }

  /** Starts listening on 127.0.0.1; port 0 picks a free one. Returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  /** When the named operation is (or was) done, in epoch milliseconds. */
  doneAt(name: string): number | undefined {
    return this.operations.get(name)?.doneAt;
  }

  /**
   * Every submit and poll fails with `status` for `seconds` from now, then the simulator recovers by itself;
   * `seconds: 0` ends an outage. Operations keep their done times: one due during the outage is done after it.
   */
  outage(request: OutageRequest): void {
    const problem = outageProblem(request);
    if (problem) throw new RangeError(`Simulator outage: ${problem}`);
    this.down =
      request.seconds > 0
        ? { until: this.now() + request.seconds * 1000, status: request.status ?? 503 }
        : undefined;
  }

  /** The outage in force now, if any. */
  private outageNow(): { until: number; status: OutageStatus } | undefined {
    if (this.down && this.now() >= this.down.until) this.down = undefined;
    return this.down;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    let match: RegExpExecArray | null;

    if (req.method === 'GET' && path === '/simulator/stats') return sendJson(res, 200, this.stats);
    if (req.method === 'POST' && path === '/simulator/outage') return this.outageControl(req, res);
    if (req.method === 'POST' && (match = VERTEX_MODEL.exec(path))) {
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return unauthenticated(res);
      const [, project, location, model, verb] = match;
      const body = await readJson(req);
      const outage = this.outageNow();
      if (outage) {
        this.stats.outageRefusals++;
        const { status, message } = OUTAGE_ERRORS[outage.status];
        return sendError(res, outage.status, status, message);
      }
      const modelName = `projects/${project}/locations/${location}/publishers/google/models/${model}`;
      if (verb === 'predictLongRunning') return this.submit(modelName, model!, body, res);
      const operationName = (body as { operationName?: unknown } | undefined)?.operationName;
      if (typeof operationName !== 'string' || !operationName.startsWith(`${modelName}/operations/`)) {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'operationName must name an operation of this model');
      }
      return this.fetch(operationName, res);
    }
    if (await this.interactions.route(req, res, url)) return;
    if (req.method === 'GET' && (match = PUBLISHER_MODEL.exec(path))) {
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return unauthenticated(res);
      return this.publisherModel(match[1]!, res);
    }
    return sendError(res, 404, 'NOT_FOUND', `No simulated Veo endpoint for ${req.method} ${path}`);
  }

  /** POST /simulator/outage {"seconds": N, "status": 503 | 500}: switches an outage on (or off with 0). */
  private async outageControl(req: IncomingMessage, res: ServerResponse) {
    const text = await readText(req);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        'the body is not JSON: send {"seconds": N, "status": 503 | 500}',
      );
    }
    const problem = outageProblem(input);
    if (problem) return sendError(res, 400, 'INVALID_ARGUMENT', problem);
    this.outage(input as OutageRequest);
    const outage = this.outageNow();
    return sendJson(res, 200, { outage: outage ? { status: outage.status, until: outage.until } : null });
  }

  /**
   * Vertex's publisher model resource for a Veo model it serves (the fields the SDK reads: name, versionId; and its
   * launch stage), else Vertex's 404 for a GET: "Publisher Model `publishers/google/models/X` is not found." (as
   * quoted in public reports of GET …/publishers/google/models/…, read 2026-12-02).
   */
  private publisherModel(model: string, res: ServerResponse) {
    const name = `publishers/google/models/${model}`;
    const served = findRetired(model) ? undefined : VERTEX_VEO_MODELS[model];
    if (!served) return sendError(res, 404, 'NOT_FOUND', `Publisher Model \`${name}\` is not found.`);
    return sendJson(res, 200, {
      name,
      versionId: model.split('-').at(-1),
      openSourceCategory: 'PROPRIETARY',
      launchStage: served.launchStage,
    });
  }

  /** Whether the model's quota has room for one more submit now (accepted submits in the last 60 s). */
  private quotaAllows(modelName: string): boolean {
    if (!this.submitsPerMinute) return true;
    const since = this.now() - QUOTA_WINDOW_MS;
    const recent = (this.stats.submitTimes[modelName] ?? []).filter((at) => at > since).length;
    return recent < this.submitsPerMinute;
  }

  private async submit(modelName: string, model: string, body: unknown, res: ServerResponse) {
    const record: SubmitRecord = { model, body, status: 0 };
    this.requests.push(record);
    if (this.requests.length > KEPT_REQUESTS) this.requests.shift();
    const answer = (status: number, rpcStatus: string, message: string) => {
      record.status = status;
      sendError(res, status, rpcStatus, message);
    };
    if (findRetired(model) || !VERTEX_VEO_MODELS[model]) {
      return answer(404, 'NOT_FOUND', publisherModelNotFound(modelName));
    }
    if (!this.quotaAllows(modelName)) {
      this.stats.quotaRefusals++;
      return answer(429, 'RESOURCE_EXHAUSTED', quotaExceededMessage(model));
    }
    const rawPrompt = (body as { instances?: Array<{ prompt?: unknown }> } | undefined)?.instances?.[0]
      ?.prompt;
    const prompt = typeof rawPrompt === 'string' ? rawPrompt : '';
    const fault = FAULTS.find((f) => prompt.includes(`[sim:${f}]`));
    if (fault?.startsWith('submit-')) {
      const handled = await this.injectFault(fault, res);
      record.status = res.statusCode;
      if (handled) return;
    }
    let submit: VertexSubmit;
    let video: VideoShape;
    try {
      submit = checkSubmit(model, body);
      if (submit.storageUri && !this.options.writeObject) {
        throw new InvalidArgument('This simulator has no GCS writer: storageUri unsupported');
      }
      video = submit.video
        ? { ...(await this.extensionOutput(submit.video, submit.aspectRatio)), audio: submit.audio }
        : {
            aspectRatio: submit.aspectRatio ?? '16:9',
            resolution: submit.resolution,
            frames: submit.durationSeconds * FPS,
            audio: submit.audio,
          };
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      this.stats.rejected++;
      return answer(400, 'INVALID_ARGUMENT', err.message);
    }
    const acceptedAt = this.now();
    this.stats.submits++;
    (this.stats.submitTimes[modelName] ??= []).push(acceptedAt);
    const delayMatch = /\[sim:delay=(\d+(?:\.\d+)?)\]/.exec(prompt);
    // An unsupported duration fails the operation at once, as Vertex does (vertex-request.ts DURATIONS_BY_FEATURE).
    const delay = submit.operationError ? 0 : delayMatch ? Number(delayMatch[1]) : this.delaySeconds;
    const name = `${modelName}/operations/${randomUUID()}`;
    const op: SimOperation = {
      name,
      doneAt: acceptedAt + delay * 1000,
      fault,
      faultSpent: false,
      video,
      sampleCount: submit.sampleCount,
      storageUri: submit.storageUri,
      invalid: submit.operationError,
    };
    this.operations.set(name, op);
    const topic = submit.pubsubTopic;
    if (fault !== 'never' && (op.storageUri || (topic && this.options.notify))) {
      this.completeLater(op, topic, delay);
    }
    record.status = 200;
    record.operationName = name;
    return sendJson(res, 200, { name, metadata: { simulator: true } });
  }

  /**
   * What extending `input` makes, after checking the input as Vertex does: the whole video, input + 7 s, in the
   * input's frame size (Vertex returns the extended video, not the added seconds alone).
   */
  private async extensionOutput(
    input: Media,
    aspectRatio: AspectRatio | undefined,
  ): Promise<Omit<VideoShape, 'audio'>> {
    let info: Pick<Mp4Video, 'brand' | 'width' | 'height' | 'fps' | 'durationSeconds' | 'frames'>;
    const known = input.gcsUri ? this.written.get(input.gcsUri) : undefined;
    if (input.gcsUri && !this.options.readObject) {
      if (!known) {
        throw new InvalidArgument(
          `This simulator has no GCS reader and did not write ${input.gcsUri}: it cannot read that input video`,
        );
      }
      const { width, height } = frameSize(known.aspectRatio, known.resolution);
      info = {
        brand: 'isom',
        width,
        height,
        fps: FPS,
        durationSeconds: known.frames / FPS,
        frames: known.frames,
      };
    } else {
      let bytes: Buffer;
      try {
        bytes = input.bytes ?? (await this.options.readObject!(input.gcsUri!));
      } catch (err) {
        throw new InvalidArgument(`Cannot read the input video ${input.gcsUri}: ${(err as Error).message}`);
      }
      try {
        info = readMp4(bytes);
      } catch (err) {
        throw new InvalidArgument(`The input video must be an MP4 file, but got: ${(err as Error).message}.`);
      }
    }
    const shape = shapeOf(info.width, info.height);
    checkInputVideo(info, aspectRatio, shape);
    return { ...shape!, frames: info.frames + EXTENSION_SECONDS * FPS };
  }

  /** Like Vertex at completion: write the videos to storageUri, then one notice on pubsubTopic. */
  private completeLater(op: SimOperation, topic: string | undefined, delaySeconds: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void (async () => {
        try {
          if (op.storageUri && op.fault !== 'error' && !op.invalid) await this.writeOutputs(op);
          if (topic && this.options.notify) {
            this.stats.notices++;
            await this.options.notify(topic, { name: op.name, done: true });
          }
          this.events.emit('completed', op.name);
        } catch (err) {
          console.error(`Simulator could not complete ${op.name}: ${(err as Error).message}`);
        }
      })();
    }, delaySeconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async fetch(name: string, res: ServerResponse) {
    const op = this.operations.get(name);
    if (!op) return sendError(res, 404, 'NOT_FOUND', `Operation ${name} not found`);
    this.stats.polls++;
    if (op.fault?.startsWith('poll-') && !op.faultSpent) {
      op.faultSpent = true;
      const handled = await this.injectFault(op.fault, res);
      if (handled) return;
    }
    const metadata = { simulator: true };
    if (op.fault === 'never' || this.now() < op.doneAt) return sendJson(res, 200, { name, metadata });
    if (op.invalid) {
      return sendJson(res, 200, { name, metadata, done: true, error: { code: 3, message: op.invalid } });
    }
    if (op.fault === 'error') {
      return sendJson(res, 200, {
        name,
        metadata,
        done: true,
        error: { code: 13, message: 'Simulated generation failure: the model could not produce a video.' },
      });
    }
    const filtered = this.filteredCount(op);
    const count = op.sampleCount - filtered;
    const response = {
      '@type': 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse',
      videos: await this.vertexVideos(op, count),
      raiMediaFilteredCount: filtered || undefined,
      raiMediaFilteredReasons: filtered > 0 ? [raiFilteredReason(filtered)] : undefined,
    };
    return sendJson(res, 200, { name, metadata, done: true, response });
  }

  private async vertexVideos(op: SimOperation, count: number) {
    if (op.storageUri) {
      const written = await this.writeOutputs(op);
      return written.slice(0, count).map((gcsUri) => ({ gcsUri, mimeType: 'video/mp4' }));
    }
    const base64 = count > 0 ? videoBytes(op.video).toString('base64') : '';
    return Array.from({ length: count }, () => ({ bytesBase64Encoded: base64, mimeType: 'video/mp4' }));
  }

  /** Like Veo: {storageUri}{numeric id}/sample_{n}.mp4 for each surviving video, written once per operation. */
  private writeOutputs(op: SimOperation): Promise<string[]> {
    op.written ??= (async () => {
      const bytes = videoBytes(op.video);
      const prefix = `${op.storageUri!.replace(/\/?$/, '/')}${Date.now()}`;
      const uris: string[] = [];
      for (let n = 0; n < op.sampleCount - this.filteredCount(op); n++) {
        const uri = `${prefix}/sample_${n}.mp4`;
        await this.options.writeObject!(uri, bytes, 'video/mp4');
        this.written.set(uri, op.video);
        uris.push(uri);
      }
      return uris;
    })();
    return op.written;
  }

  private filteredCount(op: SimOperation): number {
    if (op.fault === 'rai') return op.sampleCount;
    if (op.fault === 'rai-partial') return Math.min(1, op.sampleCount - 1);
    return 0;
  }

  /** Answers with the fault; returns false when the fault only delays a normal answer. */
  private async injectFault(fault: Fault, res: ServerResponse): Promise<boolean> {
    if (fault.endsWith('-429')) {
      sendError(res, 429, 'RESOURCE_EXHAUSTED', 'Simulated quota exhaustion: too many requests.');
      return true;
    }
    if (fault.endsWith('-500')) {
      sendError(res, 500, 'INTERNAL', 'Simulated internal error.');
      return true;
    }
    if (fault.endsWith('-malformed')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"name": "models/broken/operations/');
      return true;
    }
    if (fault.endsWith('-slow')) await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    return false;
  }
}

/** The MP4 an operation made, made again when asked (a 4K 8-second video: about 2 ms, 6 ms with its base64). */
function videoBytes(video: VideoShape): Buffer {
  return makeVideo(video.aspectRatio, video.resolution, video.frames, { audio: video.audio });
}

function unauthenticated(res: ServerResponse): void {
  sendError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readText(req);
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, code: number, status: string, message: string): void {
  sendJson(res, code, { error: { code, message, status } });
}
