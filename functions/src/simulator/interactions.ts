// The Interactions API (Gemini Omni video) inside the Veo simulator, for both backends, as @google/genai 3.3.0 calls
// it (read in node_modules/@google/genai/dist/node/index.mjs and genai.d.ts, 2026-12-02):
//   Gemini API  POST /{v1|v1beta}/interactions                      x-goog-api-key: KEY   (SDK default version v1)
//               GET  /{v}/interactions/{id}      POST /{v}/interactions/{id}/cancel
//               GET  /{v}/models/{id}            GET  /{v}/models          (ai.models.get / ai.models.list)
//               GET  /{v}/files/{id}:download?alt=media                   (a video delivered as 'uri')
//   Vertex      POST /{v1beta1|v1}/projects/{p}/locations/{l}/interactions  Authorization: Bearer …  (+ /{id}, /cancel)
// The SDK builds the path as "/{api_version}/interactions" where api_version is "v1beta1/projects/P/locations/L" on
// Vertex (getGoogleGenAIAPIVersion, buildGoogleGenAIClient) and plain "v1" on the Gemini API (ApiClient:
// GOOGLE_AI_API_DEFAULT_VERSION); Google's REST docs and live reports use /v1beta/interactions (TanStack/ai#871,
// live test 2026-07-01; Comfy-Org/ComfyUI#14961), so both versions are served.
// Request (CreateModelInteraction): {model, input: string | Content[] | Step[], background, previous_interaction_id,
//   response_format: {type:'video', aspect_ratio, duration:'6s', resolution, delivery:'inline'|'uri', gcs_uri},
//   generation_config: {video_config: {task}}}; contents are {type:'text', text} | {type:'image'|'video', mime_type,
//   data|uri}. Interaction: {id, status: in_progress|completed|failed|cancelled…, model, created, updated,
//   steps: [{type:'user_input', content}, {type:'model_output', content: [{type:'video', mime_type, data|uri}], error}]}
//   — genai.d.ts types Interaction, ModelOutputStep, VideoContent, VideoResponseFormat_2, VideoConfig/Task; the SDK's
//   addOutputProperties derives `output_video` from the last model_output step. Inputs per task as in Google's notebook
//   GoogleCloudPlatform/generative-ai vision/getting-started/gemini_omni_1_1_flash_video_gen.ipynb (first frame = one
//   image with image_to_video, first+last = two images with image_to_video, references with reference_to_video, edit
//   and extend with a video); stateful edits continue `previous_interaction_id` (ai.google.dev Omni guide, as quoted in
//   knightli.com 2026-07-03). All read 2026-12-02.
// Faults, as in the Veo simulator, come from the prompt: [sim:submit-429] [sim:submit-500] [sim:submit-503]
// [sim:submit-malformed] [sim:poll-500] [sim:poll-malformed] [sim:rai] (blocked by safety) [sim:error] [sim:never]
// [sim:delay=N].
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FPS, makeVideo, type AspectRatio, type SimResolution } from './assets.js';
import {
  OUTAGE_ERRORS,
  publisherModelNotFound,
  quotaExceededMessage,
  readJson,
  sendError,
  sendJson,
  type OutageStatus,
  type SimulatorOptions,
} from './server.js';

type Api = 'gemini' | 'vertex';

/**
 * What each Omni model accepts, per backend. Sources (read 2026-12-02): SDK 3.3.0 interactions `Model` enum
 * (gemini-omni-1.2-flash, gemini-omni-1.1-flash, gemini-omni-flash-preview); Vertex model lists on
 * docs.cloud.google.com/gemini-enterprise-agent-platform/models/video/generate-videos-from-references.md.txt
 * (gemini-omni-flash-preview, gemini-omni-1.2-flash, gemini-omni-1.1-flash-preview); durations 3–10 s for 1.1 (Omni
 * notebook: "Duration: 3s - 10s") and 3–15 s for 1.2 (developer.civitai.com gemini-omni recipe; vercel changelog);
 * reference images ≤3 for 1.1 (docs.oxen.ai gemini-omni-1-1-flash) and ≤6 for 1.2 (civitai: "up to six images") ⚠
 * third-party figures.
 */
interface OmniModel {
  maxSeconds: number;
  maxReferenceImages: number;
  /** Only these resolutions (default: all of OMNI_RESOLUTIONS). */
  resolutions?: string[];
}
const OMNI_MODELS: Record<Api, Record<string, OmniModel>> = {
  gemini: {
    'gemini-omni-1.2-flash': { maxSeconds: 15, maxReferenceImages: 6 },
    'gemini-omni-1.1-flash': { maxSeconds: 10, maxReferenceImages: 3 },
  },
  vertex: {
    'gemini-omni-1.2-flash': { maxSeconds: 15, maxReferenceImages: 6 },
    'gemini-omni-1.1-flash-preview': { maxSeconds: 10, maxReferenceImages: 3 },
    // The preview makes 720p only (Gemini API changelog 2026-06-30: "3–10 s, 720p", per the research note §5).
    'gemini-omni-flash-preview': { maxSeconds: 10, maxReferenceImages: 3, resolutions: ['720p'] },
  },
};

/**
 * Omni ids the Gemini API no longer serves: gemini-omni-flash-preview was shut down on 2026-09-30 after 1.1 reached GA
 * (withceleste/celeste-python#383 citing ai.google.dev/gemini-api/docs/changelog; TanStack/ai PR #1273). The 404 text is
 * the Gemini API's for a shut-down model ("models/gemini-2.5-flash is no longer available. Please update.",
 * decolua/9router#2788, 2026-07-22). Read 2026-12-02.
 */
export const RETIRED_OMNI_MODELS: Record<Api, string[]> = {
  gemini: ['gemini-omni-flash-preview'],
  vertex: [],
};

export const OMNI_ASPECT_RATIOS = ['16:9', '9:16'];
export const OMNI_RESOLUTIONS = ['360p', '720p', '1080p', '4k'];
export const OMNI_TASKS = [
  'text_to_video',
  'image_to_video',
  'reference_to_video',
  'edit',
  'extend',
] as const;
type Task = (typeof OMNI_TASKS)[number];
/** Seconds Omni makes when the request names none (the model picks; civitai documents 10 s for 1.2) ⚠. */
const DEFAULT_SECONDS = 8;
/** Output tokens per second of video, from a live 10 s clip billed 57,920 video tokens (TanStack/ai#871). */
const VIDEO_TOKENS_PER_SECOND = 5792;

const INTERACTION_FAULTS = [
  'submit-429',
  'submit-500',
  'submit-503',
  'submit-malformed',
  'poll-500',
  'poll-malformed',
  'rai',
  'error',
  'never',
] as const;
type InteractionFault = (typeof INTERACTION_FAULTS)[number];

/** Gemini API texts (read 2026-12-02). */
const GEMINI_TEXT = {
  // The Gemini API's 403 for a request without an API key (it answers PERMISSION_DENIED, not 401): quoted in
  // public tests of the Gemini API (e.g. a Go client's TestGeminiInconclusive) and many issue reports.
  noKey:
    "Method doesn't allow unregistered callers (callers without established identity). " +
    'Please use API Key or other form of API consumer identity to call this API.',
  quota:
    'You exceeded your current quota, please check your plan and billing details. For more information on this ' +
    'error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
};

/** The video of an output: the test pattern at the frame size, length and 24 fps asked for, with (silent) audio. */
export async function videoBytesFor(
  aspectRatio: string,
  seconds: number,
  resolution: string,
): Promise<Buffer> {
  return makeVideo(aspectRatio as AspectRatio, resolution as SimResolution, Math.round(seconds * FPS), {
    audio: true,
  });
}

type Content = { type: string; text?: string; mime_type?: string; data?: string; uri?: string };

interface SimInteraction {
  id: string;
  /** 'gemini' or 'vertex:{project}:{location}': an interaction is only visible where it was made. */
  scope: string;
  api: Api;
  model: string;
  task: Task;
  created: number;
  doneAt: number;
  fault?: InteractionFault;
  faultSpent: boolean;
  cancelled?: number;
  prompt: string;
  aspectRatio: string;
  seconds: number;
  resolution: string;
  delivery: 'inline' | 'uri';
  gcsUri?: string;
  previousId?: string;
  /** Where the video went (uri delivery), written once. */
  output?: Promise<string>;
}

export interface InteractionStats {
  /** Interactions created. */
  creates: number;
  gets: number;
  cancels: number;
  /** Creates refused (400, 404, 429, faults). */
  refused: number;
  /** Downloads of 'uri' videos on the Gemini API. */
  downloads: number;
  /** Model lookups answered (ai.models.get / list). */
  modelGets: number;
}

/** What the Veo simulator shares with this one: options, clock, and its outage switch. */
export interface InteractionsContext {
  options: SimulatorOptions;
  now: () => number;
  delaySeconds: number;
  /** The outage in force, if any (the Veo simulator's). */
  outage: () => { status: OutageStatus } | undefined;
}

const GEMINI_INTERACTIONS = /^\/(v1|v1beta|v1alpha)\/interactions(?:\/([\w-]+))?(\/cancel)?$/;
const VERTEX_INTERACTIONS =
  /^\/(v1|v1beta1)\/projects\/([\w.-]+)\/locations\/([\w-]+)\/interactions(?:\/([\w-]+))?(\/cancel)?$/;
const GEMINI_MODELS = /^\/(v1|v1beta|v1alpha)\/models(?:\/([\w.-]+))?$/;
const VERTEX_PUBLISHER_MODEL = /^\/(v1|v1beta1)\/publishers\/google\/models\/([\w.-]+)$/;
const GEMINI_FILE = /^\/(v1|v1beta)\/files\/([a-z0-9]+):download$/;

export class InteractionsSimulator {
  readonly stats: InteractionStats = {
    creates: 0,
    gets: 0,
    cancels: 0,
    refused: 0,
    downloads: 0,
    modelGets: 0,
  };
  private readonly interactions = new Map<string, SimInteraction>();
  /** Gemini API files (delivery 'uri'): id → interaction id. */
  private readonly files = new Map<string, string>();
  private readonly submitTimes = new Map<string, number[]>();
  private readonly context: InteractionsContext;

  constructor(context: InteractionsContext) {
    this.context = context;
  }

  /** How many interactions exist (tests: a refused create made nothing). */
  count(): number {
    return this.interactions.size;
  }

  /** What each interaction was asked for, in creation order (tests: which task, which previous interaction). */
  created(): Array<{ id: string; model: string; task: string; previousId?: string }> {
    return [...this.interactions.values()].map(({ id, model, task, previousId }) => ({
      id,
      model,
      task,
      previousId,
    }));
  }

  /** Answers an Interactions API request; false when the path is not one (the caller answers it). */
  async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if ((match = GEMINI_INTERACTIONS.exec(path))) {
      if (!req.headers['x-goog-api-key']) return forbidden(res);
      const [, version, id, cancel] = match;
      await this.dispatch(req, res, {
        api: 'gemini',
        version: version!,
        scope: 'gemini',
        origin: origin(req),
        id,
        cancel: !!cancel,
      });
      return true;
    }
    if ((match = VERTEX_INTERACTIONS.exec(path))) {
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
        sendError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
        return true;
      }
      const [, version, project, location, id, cancel] = match;
      await this.dispatch(req, res, {
        api: 'vertex',
        version: version!,
        scope: `vertex:${project}:${location}`,
        project,
        location,
        origin: origin(req),
        id,
        cancel: !!cancel,
      });
      return true;
    }
    if (req.method === 'GET' && (match = GEMINI_MODELS.exec(path))) {
      if (!req.headers['x-goog-api-key']) return forbidden(res);
      if (this.refusedByOutage(res)) return true;
      const [, version, id] = match;
      this.stats.modelGets++;
      if (id === undefined) {
        sendJson(res, 200, { models: Object.keys(OMNI_MODELS.gemini).map(modelResource) });
        return true;
      }
      const problem = modelProblem('gemini', id, version!, 'get');
      if (problem) sendError(res, 404, 'NOT_FOUND', problem);
      else sendJson(res, 200, modelResource(id));
      return true;
    }
    if (
      req.method === 'GET' &&
      (match = VERTEX_PUBLISHER_MODEL.exec(path)) &&
      match[2]!.startsWith('gemini-omni-')
    ) {
      // ai.models.get on Vertex: GET /{v}/publishers/google/models/{id} (no project in the path). Only Omni ids are
      // answered here; the Veo simulator answers the others.
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
        sendError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
        return true;
      }
      if (this.refusedByOutage(res)) return true;
      const id = match[2]!;
      this.stats.modelGets++;
      if (OMNI_MODELS.vertex[id]) {
        sendJson(res, 200, {
          name: `publishers/google/models/${id}`,
          versionId: '001',
          launchStage: id.includes('preview') ? 'PUBLIC_PREVIEW' : 'GA',
        });
      } else sendError(res, 404, 'NOT_FOUND', publisherModelNotFound(`publishers/google/models/${id}`));
      return true;
    }
    if (req.method === 'GET' && (match = GEMINI_FILE.exec(path))) {
      if (!req.headers['x-goog-api-key']) return forbidden(res);
      await this.download(match[2]!, res);
      return true;
    }
    return false;
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    at: {
      api: Api;
      version: string;
      scope: string;
      origin: string;
      id?: string;
      cancel: boolean;
      project?: string;
      location?: string;
    },
  ): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (this.refusedByOutage(res)) return;
    if (req.method === 'POST' && at.id === undefined) return this.create(at, body, res);
    const interaction = at.id ? this.interactions.get(at.id) : undefined;
    if (!interaction || interaction.scope !== at.scope) {
      return sendError(res, 404, 'NOT_FOUND', `Interaction ${at.id ?? ''} not found.`);
    }
    if (req.method === 'POST' && at.cancel) return this.cancel(interaction, at.origin, res);
    if (req.method === 'GET' && !at.cancel) return this.get(interaction, at.origin, res);
    return sendError(
      res,
      404,
      'NOT_FOUND',
      `No simulated Interactions endpoint for ${req.method} ${req.url}`,
    );
  }

  private refusedByOutage(res: ServerResponse): boolean {
    const outage = this.context.outage();
    if (!outage) return false;
    const { status, message } = OUTAGE_ERRORS[outage.status];
    sendError(res, outage.status, status, message);
    return true;
  }

  private refuse(res: ServerResponse, code: number, status: string, message: string): void {
    this.stats.refused++;
    sendError(res, code, status, message);
  }

  private async create(
    at: { api: Api; version: string; scope: string; origin: string; project?: string; location?: string },
    body: unknown,
    res: ServerResponse,
  ): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return this.refuse(
        res,
        400,
        'INVALID_ARGUMENT',
        'The request body must be a JSON object (an interaction).',
      );
    }
    const request = body as Record<string, unknown>;
    const model = typeof request['model'] === 'string' ? request['model'] : '';
    if (!model) return this.refuse(res, 400, 'INVALID_ARGUMENT', 'model is required.');
    // Omni on Vertex is served from the global location only (Omni notebook: LOCATION "global"; promptfoo#10151).
    const located = at.api === 'vertex' && at.location !== 'global';
    const notFound = located
      ? publisherModelNotFound(
          `projects/${at.project}/locations/${at.location}/publishers/google/models/${model}`,
        )
      : at.api === 'vertex'
        ? !OMNI_MODELS.vertex[model] &&
          publisherModelNotFound(`projects/${at.project}/locations/global/publishers/google/models/${model}`)
        : modelProblem('gemini', model, at.version, 'createInteraction');
    if (notFound) return this.refuse(res, 404, 'NOT_FOUND', notFound);
    const quotaKey = `${at.scope}:${model}`;
    if (!this.quotaAllows(quotaKey)) {
      return this.refuse(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        at.api === 'gemini' ? GEMINI_TEXT.quota : quotaExceededMessage(model),
      );
    }
    const contents = inputContents(request['input']);
    if (typeof contents === 'string') return this.refuse(res, 400, 'INVALID_ARGUMENT', contents);
    const prompt = contents
      .filter((c) => c.type === 'text')
      .map((c) => c.text ?? '')
      .join('\n');
    const fault = INTERACTION_FAULTS.find((f) => prompt.includes(`[sim:${f}]`));
    if (fault === 'submit-429') {
      return this.refuse(res, 429, 'RESOURCE_EXHAUSTED', 'Simulated quota exhaustion: too many requests.');
    }
    if (fault === 'submit-500') return this.refuse(res, 500, 'INTERNAL', 'Simulated internal error.');
    if (fault === 'submit-503') return this.refuse(res, 503, 'UNAVAILABLE', OUTAGE_ERRORS[503].message);
    const previousId = request['previous_interaction_id'];
    const found = typeof previousId === 'string' ? this.interactions.get(previousId) : undefined;
    const previous =
      found?.scope === at.scope ? { ...found, completed: this.statusOf(found) === 'completed' } : undefined;
    const shaped = shapeRequest(OMNI_MODELS[at.api][model]!, request, contents, previousId, previous, at.api);
    if (typeof shaped === 'string') return this.refuse(res, 400, 'INVALID_ARGUMENT', shaped);
    if (shaped.delivery === 'uri' && at.api === 'vertex' && !this.context.options.writeObject) {
      return this.refuse(
        res,
        400,
        'INVALID_ARGUMENT',
        'This simulator has no GCS writer: delivery uri unsupported',
      );
    }
    if (fault === 'submit-malformed') {
      this.stats.refused++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id": "v1_broken", "status": ');
      return;
    }
    const created = this.context.now();
    (this.submitTimes.get(quotaKey) ?? this.submitTimes.set(quotaKey, []).get(quotaKey)!).push(created);
    this.stats.creates++;
    const delayMatch = /\[sim:delay=(\d+(?:\.\d+)?)\]/.exec(prompt);
    // A foreground create (background not true) answers when the video is done: here at once.
    const delay =
      request['background'] !== true ? 0 : delayMatch ? Number(delayMatch[1]) : this.context.delaySeconds;
    const interaction: SimInteraction = {
      id: `v1_${randomUUID().replace(/-/g, '')}`,
      scope: at.scope,
      api: at.api,
      model,
      created,
      doneAt: created + delay * 1000,
      fault,
      faultSpent: false,
      prompt,
      ...shaped,
    };
    this.interactions.set(interaction.id, interaction);
    return sendJson(res, 200, await this.view(interaction, at.origin));
  }

  private async get(interaction: SimInteraction, origin: string, res: ServerResponse): Promise<void> {
    this.stats.gets++;
    if (interaction.fault?.startsWith('poll-') && !interaction.faultSpent) {
      interaction.faultSpent = true;
      if (interaction.fault === 'poll-500')
        return sendError(res, 500, 'INTERNAL', 'Simulated internal error.');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id": "v1_broken", "status": ');
      return;
    }
    return sendJson(res, 200, await this.view(interaction, origin));
  }

  /**
   * Cancels a background interaction still running ("This only applies to background interactions that are still
   * running": genai.d.ts Interactions_2.cancel). Cancelling a cancelled one answers it again; a finished one is a
   * FAILED_PRECONDITION ⚠ (the API's answer for that case is not documented).
   */
  private async cancel(interaction: SimInteraction, origin: string, res: ServerResponse): Promise<void> {
    this.stats.cancels++;
    const status = this.statusOf(interaction);
    if (status === 'completed' || status === 'failed') {
      return sendError(
        res,
        400,
        'FAILED_PRECONDITION',
        `Interaction ${interaction.id} is already ${status}.`,
      );
    }
    interaction.cancelled ??= this.context.now();
    return sendJson(res, 200, await this.view(interaction, origin));
  }

  private statusOf(i: SimInteraction): 'in_progress' | 'completed' | 'failed' | 'cancelled' {
    if (i.cancelled !== undefined) return 'cancelled';
    if (i.fault === 'never' || this.context.now() < i.doneAt) return 'in_progress';
    return i.fault === 'rai' || i.fault === 'error' ? 'failed' : 'completed';
  }

  /** The Interaction resource as the API answers create, get and cancel. */
  private async view(i: SimInteraction, origin: string): Promise<Record<string, unknown>> {
    const status = this.statusOf(i);
    const updated = status === 'cancelled' ? i.cancelled! : status === 'in_progress' ? i.created : i.doneAt;
    const steps: unknown[] = [{ type: 'user_input', content: [{ type: 'text', text: i.prompt }] }];
    if (status === 'completed') {
      steps.push({ type: 'model_output', content: [await this.videoContent(i, origin)] });
    } else if (status === 'failed') {
      // ⚠ How the Interactions API reports a blocked video is not documented; this uses the documented slot for it:
      // ModelOutputStep.error, a google.rpc.Status (genai.d.ts), with the interaction's status 'failed'.
      steps.push({
        type: 'model_output',
        content: [],
        error:
          i.fault === 'rai'
            ? {
                code: 3,
                message:
                  'Simulated safety filter: the video was blocked because the prompt asked for filtered content. ' +
                  'You have not been charged for this attempt; rephrase the prompt.',
              }
            : { code: 13, message: 'Simulated generation failure: the model could not produce a video.' },
      });
    }
    return {
      id: i.id,
      object: 'interaction',
      model: i.model,
      status,
      created: new Date(i.created).toISOString(),
      updated: new Date(updated).toISOString(),
      ...(i.previousId ? { previous_interaction_id: i.previousId } : {}),
      generation_config: { video_config: { task: i.task } },
      response_format: {
        type: 'video',
        aspect_ratio: i.aspectRatio,
        duration: `${i.seconds}s`,
        resolution: i.resolution,
        delivery: i.delivery,
        ...(i.gcsUri ? { gcs_uri: i.gcsUri } : {}),
      },
      steps,
      ...(status === 'completed'
        ? {
            usage: {
              total_output_tokens: i.seconds * VIDEO_TOKENS_PER_SECOND,
              output_tokens_by_modality: [{ modality: 'video', tokens: i.seconds * VIDEO_TOKENS_PER_SECOND }],
            },
          }
        : {}),
      simulator: true,
    };
  }

  private async videoContent(i: SimInteraction, origin: string): Promise<Content> {
    if (i.delivery === 'inline') {
      const bytes = await videoBytesFor(i.aspectRatio, i.seconds, i.resolution);
      return { type: 'video', mime_type: 'video/mp4', data: bytes.toString('base64') };
    }
    i.output ??= (async () => {
      if (i.api === 'gemini') {
        const fileId = i.id.replace(/[^a-z0-9]/g, '').slice(0, 40);
        this.files.set(fileId, i.id);
        return `${origin}/v1beta/files/${fileId}:download?alt=media`;
      }
      // ⚠ Object naming under gcs_uri is not documented; Veo writes {storageUri}{id}/sample_0.mp4, so does this.
      const uri = `${i.gcsUri!.replace(/\/?$/, '/')}${i.id}/sample_0.mp4`;
      await this.context.options.writeObject!(
        uri,
        await videoBytesFor(i.aspectRatio, i.seconds, i.resolution),
        'video/mp4',
      );
      return uri;
    })();
    return { type: 'video', mime_type: 'video/mp4', uri: await i.output };
  }

  private async download(fileId: string, res: ServerResponse): Promise<void> {
    const interaction = this.interactions.get(this.files.get(fileId) ?? '');
    if (!interaction) return sendError(res, 404, 'NOT_FOUND', `File files/${fileId} not found.`);
    this.stats.downloads++;
    const bytes = await videoBytesFor(interaction.aspectRatio, interaction.seconds, interaction.resolution);
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes.length });
    res.end(bytes);
  }

  /** The per-minute quota (SimulatorOptions.submitsPerMinute) per backend scope and model, as for Veo. */
  private quotaAllows(key: string): boolean {
    const limit = this.context.options.submitsPerMinute ?? 0;
    if (!limit) return true;
    const since = this.context.now() - 60_000;
    return (this.submitTimes.get(key) ?? []).filter((at) => at > since).length < limit;
  }
}

/** What the Gemini API says about a model id it does not serve, or undefined when it serves it. */
function modelProblem(api: 'gemini', model: string, version: string, method: string): string | undefined {
  if (RETIRED_OMNI_MODELS[api].includes(model))
    return `models/${model} is no longer available. Please update.`;
  if (OMNI_MODELS[api][model]) return undefined;
  // The Gemini API's 404 for an unknown model id (its wording for generateContent; ⚠ assumed the same for others).
  return (
    `models/${model} is not found for API version ${version}, or is not supported for ${method}. ` +
    'Call ListModels to see the list of available models and their supported methods.'
  );
}

/** A Gemini API Model resource (ai.models.get reads name, displayName, supportedGenerationMethods…). */
function modelResource(id: string): Record<string, unknown> {
  const version = /omni-(\d+\.\d+)/.exec(id)?.[1] ?? 'preview';
  return {
    name: `models/${id}`,
    version,
    displayName: `Gemini Omni ${version} Flash (simulated)`,
    description: 'Simulated Gemini Omni video model: served through the Interactions API only.',
    inputTokenLimit: 131072,
    outputTokenLimit: 65536,
    // What Omni advertises although only the Interactions API serves it (TanStack/ai#871, 2026-07-01).
    supportedGenerationMethods: ['generateContent', 'countTokens'],
  };
}

/** The input as a list of contents (string, one content, contents, or steps: the last user_input's), or a problem. */
function inputContents(input: unknown): Content[] | string {
  if (typeof input === 'string') return input ? [{ type: 'text', text: input }] : 'input must not be empty.';
  const list = Array.isArray(input) ? input : input && typeof input === 'object' ? [input] : undefined;
  if (!list || list.length === 0) return 'input is required: text, or a list of contents.';
  const items = list as Array<Record<string, unknown>>;
  if (items.some((item) => item['type'] === 'user_input' || item['type'] === 'model_output')) {
    const last = [...items].reverse().find((item) => item['type'] === 'user_input');
    return Array.isArray(last?.['content'])
      ? inputContents(last['content'])
      : 'input steps need a user_input step.';
  }
  for (const [n, item] of items.entries()) {
    const type = item['type'];
    if (type === 'text' && typeof item['text'] === 'string') continue;
    if (type === 'image' || type === 'video') {
      const data = item['data'];
      const uri = item['uri'];
      if ((typeof data === 'string') === (typeof uri === 'string')) {
        return `input[${n}] (${type}) needs exactly one of data (base64) or uri.`;
      }
      if (
        typeof data === 'string' &&
        (!/^[A-Za-z0-9+/]+=*$/.test(data) || Buffer.from(data, 'base64').length === 0)
      ) {
        return `input[${n}].data is not base64.`;
      }
      if (typeof item['mime_type'] !== 'string' || !item['mime_type'].startsWith(`${type}/`)) {
        return `input[${n}].mime_type must be an ${type}/* type, got ${JSON.stringify(item['mime_type'])}.`;
      }
      continue;
    }
    return `input[${n}] has unsupported type ${JSON.stringify(type)}: text, image and video are accepted.`;
  }
  return items as Content[];
}

type Shaped = Pick<
  SimInteraction,
  'task' | 'aspectRatio' | 'seconds' | 'resolution' | 'delivery' | 'gcsUri' | 'previousId'
>;

/** The output a valid request asks for, or what is wrong with it (naming the field, the value and what is allowed). */
function shapeRequest(
  limits: OmniModel,
  request: Record<string, unknown>,
  contents: Content[],
  previousId: unknown,
  previous: (SimInteraction & { completed: boolean }) | undefined,
  api: Api,
): Shaped | string {
  const formats = request['response_format'];
  const format = (Array.isArray(formats) ? formats : [formats]).find(
    (f): f is Record<string, unknown> =>
      !!f && typeof f === 'object' && (f as { type?: unknown }).type === 'video',
  );
  if (formats !== undefined && !format) return "response_format needs an entry with type 'video'.";
  const aspectRatio = format?.['aspect_ratio'] ?? previous?.aspectRatio ?? '16:9';
  if (typeof aspectRatio !== 'string' || !OMNI_ASPECT_RATIOS.includes(aspectRatio)) {
    return `response_format.aspect_ratio ${JSON.stringify(aspectRatio)} is not supported: use ${OMNI_ASPECT_RATIOS.join(' or ')}.`;
  }
  const resolution = format?.['resolution'] ?? '720p';
  const resolutions = limits.resolutions ?? OMNI_RESOLUTIONS;
  if (typeof resolution !== 'string' || !resolutions.includes(resolution)) {
    return `response_format.resolution ${JSON.stringify(resolution)} is not supported: use one of ${resolutions.join(', ')}.`;
  }
  const duration = format?.['duration'];
  const seconds =
    duration === undefined
      ? (previous?.seconds ?? DEFAULT_SECONDS)
      : Number(/^(\d+)s$/.exec(String(duration))?.[1]);
  if (!(seconds >= 3 && seconds <= limits.maxSeconds)) {
    return `response_format.duration ${JSON.stringify(duration)} is not supported: use whole seconds from 3s to ${limits.maxSeconds}s, like "6s".`;
  }
  const delivery = format?.['delivery'] ?? 'inline';
  if (delivery !== 'inline' && delivery !== 'uri') {
    return `response_format.delivery ${JSON.stringify(delivery)} is not supported: use inline or uri.`;
  }
  const gcsUri = format?.['gcs_uri'];
  if (gcsUri !== undefined && api === 'gemini')
    return 'response_format.gcs_uri is only supported on Vertex AI.';
  if (
    api === 'vertex' &&
    delivery === 'uri' &&
    (typeof gcsUri !== 'string' || !/^gs:\/\/[\w.-]+/.test(gcsUri))
  ) {
    // "Required for Vertex if delivery mode is URI" (genai.d.ts VideoResponseFormat_2.gcs_uri).
    return 'response_format.gcs_uri (gs://bucket/path) is required on Vertex AI when delivery is uri.';
  }
  if (previousId !== undefined) {
    if (!previous) {
      return `previous_interaction_id ${JSON.stringify(previousId)} does not name an interaction of this project.`;
    }
    if (!previous.completed) {
      return `previous_interaction_id ${previousId} did not complete: only a completed interaction can be continued.`;
    }
  }
  const images = contents.filter((c) => c.type === 'image');
  const videos = contents.filter((c) => c.type === 'video');
  const text = contents.some((c) => c.type === 'text' && c.text);
  if (api === 'gemini' && [...images, ...videos].some((c) => c.uri?.startsWith('gs://'))) {
    return 'gs:// URIs are not supported on the Gemini API: send the bytes (data) or a Files API URI.';
  }
  const config = (request['generation_config'] as { video_config?: { task?: unknown } } | undefined)
    ?.video_config;
  const asked = config?.task;
  if (asked !== undefined && !OMNI_TASKS.includes(asked as Task)) {
    return `generation_config.video_config.task ${JSON.stringify(asked)} is not supported: use one of ${OMNI_TASKS.join(', ')}.`;
  }
  // Without a task the model infers it from the inputs (VideoConfig.task docs in genai.d.ts).
  const task: Task =
    (asked as Task | undefined) ??
    (previous || videos.length > 0
      ? 'edit'
      : images.length === 0
        ? 'text_to_video'
        : images.length <= 2
          ? 'image_to_video'
          : 'reference_to_video');
  const needs: Record<Task, string | undefined> = {
    text_to_video: !text
      ? 'a text prompt'
      : images.length + videos.length > 0
        ? 'no images or videos'
        : undefined,
    image_to_video:
      images.length < 1 || images.length > 2 || videos.length > 0
        ? 'one image (first frame) or two (first and last frame), and no video'
        : undefined,
    reference_to_video:
      images.length < 1 || images.length > limits.maxReferenceImages
        ? `1 to ${limits.maxReferenceImages} reference images`
        : undefined,
    edit:
      !text || (!previous && videos.length !== 1)
        ? 'a text prompt and previous_interaction_id or one video'
        : undefined,
    extend: !previous && videos.length !== 1 ? 'previous_interaction_id or one video to extend' : undefined,
  };
  if (needs[task]) return `The task ${task} needs ${needs[task]}.`;
  return {
    task,
    aspectRatio,
    seconds,
    resolution,
    delivery,
    gcsUri: typeof gcsUri === 'string' ? gcsUri : undefined,
    previousId: previous?.id,
  };
}

function forbidden(res: ServerResponse): true {
  sendError(res, 403, 'PERMISSION_DENIED', GEMINI_TEXT.noKey);
  return true;
}

function origin(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}
