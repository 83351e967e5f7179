// list_video_models: the models this server offers on its backend (Veo 3.1, Gemini Omni), with their modes and
// limits, list prices by resolution and audio, where each fact came from, whether Google serves each right now (asked
// live, cached per instance), and the retired ids it refuses (all from video/catalog.ts).
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { AdmissionView } from '../../operations/index.js';
import { BACKENDS, type Backend, type WireApi } from '../../operations/record.js';
import type { ModelAvailability } from '../../operations/ports.js';
import { FAMILIES, MODELS, RESOLUTIONS, RETIRED_MODELS } from '../../video/catalog.js';
import { strictFields } from '../../video/input-rules.js';
import { guarded } from '../tool-errors.js';

const SecondPriceSchema = z.object({
  audio: z.number().describe('USD per second with generate_audio true (the default).'),
  silent: z.number().describe('USD per second with generate_audio false.'),
});

const ModelSchema = z.object({
  id: z.string().describe('Pass as generate_video model.'),
  display_name: z.string(),
  family: z
    .enum(FAMILIES)
    .describe('veo (generateVideos) or omni (Gemini Omni, Interactions API); arguments differ by family.'),
  backends: z.array(z.enum(['gemini', 'vertex'])).describe('The wire APIs that serve this model.'),
  stage: z.enum(['GA', 'preview']),
  default: z.boolean().describe('True for the model generate_video uses when none is given.'),
  aspect_ratios: z.array(z.string()),
  durations_seconds: z.array(z.number()),
  resolutions: z.array(z.string()),
  max_videos: z.number().describe('Largest number_of_videos.'),
  audio: z.enum(['none', 'optional', 'always']).describe('Whether generate_audio is honoured.'),
  seed: z.boolean().describe('Whether seed is supported.'),
  person_generation: z.array(z.string()),
  image_to_video: z.boolean().describe('Takes image (the first frame).'),
  last_frame: z.boolean().describe('Takes last_frame with image (first + last frame).'),
  max_reference_images: z.number().describe('Most reference_images (0: none).'),
  extension: z
    .object({
      step_seconds: z.array(z.number()).describe('Seconds one extend_video step may add.'),
      input_seconds: z.array(z.number()).describe('[shortest, longest] input video it extends.'),
      input_fps: z.number().optional(),
      max_total_seconds: z.number().optional().describe('Longest video a chain of extensions may reach.'),
      input: z
        .enum(['video', 'interaction'])
        .describe('video: an MP4 (operation id, gs:// or https); interaction: one of your own operations.'),
    })
    .optional()
    .describe('Present when extend_video works with this model.'),
  edit: z.boolean().describe('edit_video works on its results.'),
  price_per_second_usd: z
    .partialRecord(z.enum(RESOLUTIONS), SecondPriceSchema)
    .describe(
      'List price per second by resolution (each resolution offered has one), with and without audio.',
    ),
  sources: z
    .array(z.object({ url: z.string(), read: z.string(), backs: z.string() }))
    .describe('Where these facts came from and the day each was read.'),
  uncertain: z.array(z.string()).describe('⚠ Facts no primary source confirmed, and how calls are treated.'),
  as_of: z.string().describe('The day this entry was last checked (YYYY-MM-DD).'),
  live: z
    .object({
      state: z
        .enum(['available', 'not-found', 'unknown'])
        .describe(
          "What Google's API said when asked whether it serves this model (Vertex AI publisher model, or the " +
            "Gemini API's model for this key): not-found means calls will fail; unknown means it could not be asked.",
        ),
      checked_at: z.string(),
      detail: z.string().optional(),
    })
    .describe('Asked live, cached per instance for a few minutes.'),
  availability: z
    .object({
      state: z
        .enum(['available', 'unavailable', 'probing'])
        .describe(
          'available: submits go out (paced); unavailable: the circuit breaker is open after repeated Veo ' +
            'failures, new generations wait QUEUED; probing: the open period is over and the next submit tests ' +
            'whether the model recovered.',
        ),
      unavailable_since: z.string().optional(),
      next_probe_at: z.string().optional(),
      last_error: z.string().optional(),
      submits_per_minute: z.number().describe('The pace submits go to Veo at (VEO_SUBMITS_PER_MINUTE).'),
      submits_last_minute: z.number(),
      waiting: z.number().describe('Generations of all callers waiting for their turn at this model.'),
    })
    .describe("This deployment's view of the model right now: pace, line and circuit breaker."),
});

const inputSchema = strictFields(z.object({}), 'list_video_models arguments');

const outputSchema = z.object({
  backend: z.enum(BACKENDS).describe('Where generations run.'),
  api: z.enum(['gemini', 'vertex']).describe('The Veo wire API whose limits apply.'),
  default_model: z.string(),
  models: z.array(ModelSchema),
  retired_models: z
    .array(
      z.object({
        id: z.string(),
        retired_on: z.string().describe('YYYY-MM-DD.'),
        replacement: z.string().describe('The live model to use instead.'),
        source: z.string(),
      }),
    )
    .describe(
      'Ids Google no longer serves: generate_video refuses them before anything is created or billed.',
    ),
});

/** What list_video_models needs to know: where generations run and the default model. */
export interface ModelsToolDeps {
  backend: Backend;
  api: WireApi;
  defaultModel: string;
  /** Each model's pace, line and breaker (Operations.admission). */
  admission: (api: WireApi, models: readonly string[]) => Promise<Map<string, AdmissionView>>;
  /** Whether Google serves the model now (VideoGenerator.availability, cached by the adapter). */
  live: (model: string) => Promise<ModelAvailability>;
}

function availabilityOf(view: AdmissionView) {
  const { breaker } = view;
  return {
    state:
      breaker.state === 'closed'
        ? ('available' as const)
        : breaker.state === 'open'
          ? ('unavailable' as const)
          : ('probing' as const),
    unavailable_since: breaker.state === 'closed' ? undefined : breaker.since.toISOString(),
    next_probe_at: breaker.state === 'open' ? breaker.probeAt.toISOString() : undefined,
    last_error: breaker.state === 'closed' ? undefined : breaker.lastError,
    submits_per_minute: view.submitsPerMinute,
    submits_last_minute: view.submitsLastMinute,
    waiting: view.waiting,
  };
}

/** "720p $0.15/s ($0.10/s silent), …" */
function prices(price: Partial<Record<string, { audio: number; silent: number }>>): string {
  return Object.entries(price)
    .map(([resolution, p]) => `${resolution} $${p!.audio}/s ($${p!.silent}/s silent)`)
    .join(', ');
}

export function registerListVideoModelsTool(server: McpServer, deps: ModelsToolDeps): RegisteredTool {
  return server.registerTool(
    'list_video_models',
    {
      title: 'List video models',
      description:
        'Video models available on this server (Veo 3.1, Gemini Omni) and what each accepts here: modes (image, ' +
        'last frame, reference images, extend, edit), aspect ratios, durations, resolutions, number of videos, ' +
        'audio, seed, person generation, the list price per second by resolution and audio, launch stage, sources ' +
        'and as-of date, whether Google serves it now; and the retired ids it refuses.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('list_video_models', async () => {
      const { api, backend, defaultModel } = deps;
      const offered = MODELS.filter((model) => model.backends.includes(api));
      const [admission, live] = await Promise.all([
        deps.admission(
          api,
          offered.map((model) => model.id),
        ),
        Promise.all(offered.map((model) => deps.live(model.id))),
      ]);
      const models = offered.flatMap((model, n) => {
        const view = admission.get(model.id);
        const seen = live[n]!;
        if (!view) return [];
        return [
          {
            id: model.id,
            display_name: model.displayName,
            family: model.family,
            backends: [...model.backends],
            stage: model.stage,
            default: model.id === defaultModel,
            aspect_ratios: [...model.aspectRatios],
            durations_seconds: [...model.durations],
            resolutions: [...model.resolutions],
            max_videos: model.maxVideos,
            audio: model.audio,
            seed: model.seed,
            person_generation: [...model.personGeneration],
            image_to_video: model.imageToVideo,
            last_frame: model.lastFrame,
            max_reference_images: model.maxReferenceImages,
            extension: model.extension && {
              step_seconds: [...model.extension.stepSeconds],
              input_seconds: [model.extension.inputMinSeconds, model.extension.inputMaxSeconds],
              input_fps: model.extension.inputFps,
              max_total_seconds: model.extension.maxTotalSeconds,
              input: model.extension.input,
            },
            edit: model.edit,
            price_per_second_usd: model.pricePerSecondUsd,
            sources: model.sources.map(({ url, read, backs }) => ({ url, read, backs })),
            uncertain: [...model.uncertain],
            as_of: model.asOf,
            live: { state: seen.state, checked_at: seen.checkedAt, detail: seen.detail },
            availability: availabilityOf(view),
          },
        ];
      });
      const retired_models = RETIRED_MODELS.filter((m) => m.backends.includes(api)).map((m) => ({
        id: m.id,
        retired_on: m.retiredOn,
        replacement: m.replacement,
        source: m.source.url,
      }));
      const structured = { backend: backend, api, default_model: defaultModel, models, retired_models };
      const text = [
        `${models.length} models on the ${backend} backend (${api} API); default ${defaultModel}.`,
        ...models.map(
          (m) =>
            `${m.id} (${m.display_name}, ${m.family}, ${m.stage}; Google says ${m.live.state}): ` +
            `${m.durations_seconds.join('/')}s, ${m.aspect_ratios.join(' ')}, ` +
            `${m.resolutions.join('/')}, up to ${m.max_videos} video(s), audio ${m.audio}, ` +
            `${prices(m.price_per_second_usd)} (as of ${m.as_of}); ` +
            (m.availability.state === 'available'
              ? `available, ${m.availability.submits_per_minute} submits/min, ${m.availability.waiting} waiting`
              : `${m.availability.state.toUpperCase()} since ${m.availability.unavailable_since}` +
                (m.availability.next_probe_at ? ` (next probe ${m.availability.next_probe_at})` : '') +
                `, ${m.availability.waiting} waiting: ${m.availability.last_error ?? ''}`),
        ),
        `Retired (refused): ${retired_models.map((m) => `${m.id} since ${m.retired_on}, use ${m.replacement}`).join('; ')}.`,
      ].join('\n');
      return { content: [{ type: 'text', text }], structuredContent: structured };
    }),
  );
}
