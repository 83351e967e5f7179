// What every @google/genai adapter shares: how a failed call is classed, a Vertex AI client (with Google credentials, or the simulator's placeholder
// bearer), and whether a model's API serves a model now (list_video_models), asked through models.get and reused per
// instance for AVAILABILITY_TTL_MS; a failure to ask is 'unknown', never an error.
import type { GoogleGenAI } from '@google/genai';
import { AppError, type ErrorCode } from '../errors.js';
import { SubmitFailure, type ModelAvailability, type SubmitFailureKind } from '../operations/ports.js';
import type { WireApi } from '../operations/record.js';
import { findModel, findRetired, liveModelIds, retiredMessage } from './catalog.js';

type Sdk = typeof import('@google/genai');

export interface VertexClientOptions {
  project?: string;
  location?: string;
  /** Effective endpoint (a simulator); undefined means Google's own. */
  baseUrl?: string;
  timeoutMs: number;
  /** false: a placeholder bearer instead of Application Default Credentials (the simulator checks only its form). */
  useGoogleCredentials: boolean;
}

export function vertexClient(sdk: Sdk, options: VertexClientOptions): GoogleGenAI {
  const placeholder = {
    authClient: {
      getRequestHeaders: async () => new Headers({ Authorization: 'Bearer simulator' }),
    } as never,
  };
  return new sdk.GoogleGenAI({
    vertexai: true,
    project: options.project,
    location: options.location,
    httpOptions: { baseUrl: options.baseUrl, timeout: options.timeoutMs },
    ...(options.useGoogleCredentials ? {} : { googleAuthOptions: placeholder }),
  });
}

/** google.rpc.Code names of the codes an operation or interaction reports its failure with. */
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
export const rpcCodeName = (code: number | undefined): string =>
  (code !== undefined && RPC_CODES[code]) || 'UPSTREAM';

/** How long a model's availability answer is reused by an instance. */
export const AVAILABILITY_TTL_MS = 10 * 60_000;

export class AvailabilityCache {
  private readonly answers = new Map<string, { at: number; value: Promise<ModelAvailability> }>();
  private readonly client: () => Promise<GoogleGenAI>;
  private readonly now: () => number;

  constructor(client: () => Promise<GoogleGenAI>, now: () => number = Date.now) {
    this.client = client;
    this.now = now;
  }

  get(model: string): Promise<ModelAvailability> {
    const now = this.now();
    const cached = this.answers.get(model);
    if (cached && now - cached.at < AVAILABILITY_TTL_MS) return cached.value;
    const value = this.ask(model, new Date(now).toISOString());
    this.answers.set(model, { at: now, value });
    return value;
  }

  private async ask(model: string, checkedAt: string): Promise<ModelAvailability> {
    try {
      await (await this.client()).models.get({ model });
      return { state: 'available', checkedAt };
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      const detail = (err instanceof Error ? err.message : String(err)).slice(0, 300);
      return { state: status === 404 ? 'not-found' : 'unknown', checkedAt, detail };
    }
  }
}

/**
 * Maps a failed SDK call to an AppError, for both clients @google/genai 3.3.0 has: the models client (ApiError with
 * `status`, fetch's TypeError, AbortError/TimeoutError) and the Interactions client (APIError subclasses with `status`,
 * APIConnectionTimeoutError, APIConnectionError wrapping fetch's error, a SyntaxError for a cut-off body). A submit's
 * failure says whether anything may have started (SubmitFailure): only a 429 (quota), a 503 (Google's UNAVAILABLE,
 * which AIP-194 lists as safe to retry) or a connection that never opened started nothing; a timeout, another 5xx or a
 * malformed answer may have started (and will bill) a generation, so it is never sent again; other 4xx are refused.
 * `service` names the API in messages; `notFound` words a submit's 404 (the model).
 */
export function callFailure(
  what: 'submit' | 'poll',
  err: unknown,
  service: string,
  notFound: (detail: string) => string,
): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: unknown }).status;
  const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
  const submit = what === 'submit';
  const failure = (code: ErrorCode, message: string, kind: SubmitFailureKind, outage: boolean): AppError =>
    submit ? new SubmitFailure(code, message, kind, outage) : new AppError(code, message, kind !== 'refused');
  if (typeof status === 'number') {
    if (status === 429) {
      const message = `${service} is rate limiting requests (HTTP 429): ${detail}`;
      return failure('RESOURCE_EXHAUSTED', message, 'not-started', false);
    }
    if (status === 503) {
      return failure('UPSTREAM', `${service} is unavailable (HTTP 503): ${detail}`, 'not-started', true);
    }
    if (status >= 500) {
      const unknown = submit ? ' — it may still have started the generation; not sent again' : '';
      return failure(
        'UPSTREAM',
        `${service} failed with HTTP ${status}${unknown}: ${detail}`,
        'unknown',
        true,
      );
    }
    if (status === 401 || status === 403) {
      const message = `${service} refused the credentials (HTTP ${status}): ${detail}`;
      return failure('PERMISSION_DENIED', message, 'refused', false);
    }
    if (status === 404) {
      const message = submit
        ? notFound(detail)
        : `${service} does not know this operation (HTTP 404): ${detail}`;
      return failure('NOT_FOUND', message, 'refused', false);
    }
    return failure('INVALID_ARGUMENT', rejected(service, status, detail), 'refused', false);
  }
  const name = err instanceof Error ? err.name : '';
  const timedOut = name === 'AbortError' || name === 'TimeoutError' || name === 'APIConnectionTimeoutError';
  if (!timedOut && neverConnected(err)) {
    return failure('UPSTREAM', `${service} could not be reached: ${detail}`, 'not-started', true);
  }
  const unknownOutcome = submit ? ` — ${service} may still have started (and will bill) the generation` : '';
  const message = timedOut
    ? `${service} did not answer in time${unknownOutcome}: ${detail}`
    : `${service} could not be reached or answered malformed data${unknownOutcome}: ${detail}`;
  // Timeouts and malformed bodies: safe to retry a poll; a submit's outcome is unknown.
  return failure(timedOut ? 'DEADLINE_EXCEEDED' : 'UPSTREAM', message, 'unknown', true);
}

/**
 * The argument names of our tools for the wire fields Google's 400 messages name (Vertex predictLongRunning
 * parameters, the Interactions API's response_format), so a refusal our checks could not foresee still names the
 * argument to change: e.g. "`numberOfVideos` isn't supported by this model" (openclaw/openclaw#64723), "allow_adult for
 * personGeneration is currently not supported" (discuss.ai.google.dev/t/181139); read 2026-12-02.
 */
const WIRE_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/\b(numberOfVideos|sampleCount)\b/, 'number_of_videos'],
  [/\bdurationSeconds\b|\bduration\b/, 'duration_seconds'],
  [/\baspectRatio\b|\baspect_ratio\b/, 'aspect_ratio'],
  [/\bresolution\b/, 'resolution'],
  [/\bpersonGeneration\b/, 'person_generation'],
  [/\bnegativePrompt\b/, 'negative_prompt'],
  [/\bgenerateAudio\b/, 'generate_audio'],
  [/\benhancePrompt\b/, 'enhance_prompt'],
  [/\bcompressionQuality\b/, 'compression_quality'],
  [/\bresizeMode\b/, 'resize_mode'],
  [/\blastFrame\b|\blast frame\b/, 'last_frame'],
  [/\breferenceImages\b|\breference images?\b/, 'reference_images'],
  [/\bseed\b/, 'seed'],
  [/\bfps\b/, 'fps'],
  [/\bvideo\b/, 'video'],
  [/\bimage\b/, 'image'],
  [/\bprompt\b/, 'prompt'],
];

/** Google's message inside an ApiError's JSON body (or the text as it is). */
function googleMessage(detail: string): string {
  try {
    const body = JSON.parse(detail) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not JSON: the text is the message.
  }
  return detail;
}

/** A 4xx refusal of the request, naming the argument Google's message points at when it names one. */
function rejected(service: string, status: number, detail: string): string {
  const said = googleMessage(detail);
  const field = WIRE_FIELDS.find(([pattern]) => pattern.test(said))?.[1];
  return field
    ? `Invalid ${field}: ${service} refused the request (HTTP ${status}), nothing was started. Google said: ${said}`
    : `${service} rejected the request (HTTP ${status}), nothing was started. Google said: ${said}`;
}

/**
 * An operation or interaction that ended with an error: when Google says the arguments were invalid (code 3,
 * INVALID_ARGUMENT: Vertex checks some only after accepting the job, e.g. a duration a mode does not take), the
 * message names our argument and says nothing is billed; other errors are reported as Google worded them.
 */
export function operationError(service: string, code: number | undefined, message: string) {
  const name = rpcCodeName(code);
  if (name === 'INVALID_ARGUMENT') {
    const field = WIRE_FIELDS.find(([pattern]) => pattern.test(message))?.[1];
    return {
      code: name,
      message:
        `${field ? `Invalid ${field}: ` : ''}${service} refused the arguments after accepting the job; no video was ` +
        `made and nothing is billed. Google said: ${message}`,
    };
  }
  return { code: name, message: `${service} reported an error: ${message}` };
}

/**
 * A submit's 404 for the model (Vertex: "Publisher Model `projects/…/models/M` was not found or your project does not
 * have access to it", github.com/pollinations/pollinations/issues/9900; the Gemini API: "models/M is no longer
 * available", read 2026-12-02): the model, whether the catalog knows it as retired on this API, and what to use.
 */
export function modelNotFound(service: string, model: string, api: WireApi, detail: string): string {
  const retired = findRetired(model, api);
  const live = liveModelIds(api).join(', ');
  const region = service === 'Veo' ? 'GOOGLE_CLOUD_LOCATION' : 'OMNI_LOCATION';
  const where = api === 'vertex' ? `this project or region (${region})` : 'this API key';
  const advice = retired
    ? retiredMessage(retired, api)
    : findModel(model)
      ? `${model} is in this server's catalog, so Google may have retired it since, or ${where} has no access ` +
        `to it; list_video_models shows the others: ${live}.`
      : `Use one of: ${live}.`;
  const whose = api === 'vertex' ? 'this project' : 'this API key';
  return `${service} has no model ${model} for ${whose} (HTTP 404). ${advice} Google said: ${detail}`;
}

/** A connection refused or a name not resolved, anywhere in the cause chain: the request never left this instance. */
function neverConnected(err: unknown): boolean {
  for (let cause: unknown = err, depth = 0; cause && depth < 6; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
