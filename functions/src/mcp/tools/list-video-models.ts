// list_video_models: the Veo models this server offers on its backend, with their limits and list prices.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { BACKENDS, type Backend, type WireApi } from '../../operations/record.js';
import { MODELS } from '../../veo/catalog.js';
import { strictFields } from '../../veo/input-rules.js';
import { guarded } from '../tool-errors.js';

const ModelSchema = z.object({
  id: z.string().describe('Pass as generate_video model.'),
  display_name: z.string(),
  stage: z.enum(['GA', 'preview']),
  default: z.boolean().describe('True for the model generate_video uses when none is given.'),
  aspect_ratios: z.array(z.string()),
  durations_seconds: z.array(z.number()),
  resolutions: z.array(z.string()),
  max_videos: z.number().describe('Largest number_of_videos.'),
  audio: z.enum(['none', 'optional', 'always']).describe('Whether generate_audio is honoured.'),
  seed: z.boolean().describe('Whether seed is supported.'),
  person_generation: z.array(z.string()),
  image_to_video: z.boolean(),
  price_per_second_usd: z
    .object({ audio: z.number().optional(), silent: z.number() })
    .describe('List price.'),
});

const inputSchema = strictFields(z.object({}), 'list_video_models arguments');

const outputSchema = z.object({
  backend: z.enum(BACKENDS).describe('Where generations run.'),
  api: z.enum(['gemini', 'vertex']).describe('The Veo wire API whose limits apply.'),
  default_model: z.string(),
  models: z.array(ModelSchema),
});

/** What list_video_models needs to know: where generations run and the default model. */
export interface ModelsToolDeps {
  backend: Backend;
  api: WireApi;
  defaultModel: string;
}

export function registerListVideoModelsTool(server: McpServer, deps: ModelsToolDeps): RegisteredTool {
  return server.registerTool(
    'list_video_models',
    {
      title: 'List video models',
      description:
        'Veo models available on this server and what each accepts here: aspect ratios, durations, resolutions, ' +
        'number of videos, audio, seed, person generation, and the list price per second.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('list_video_models', async () => {
      const { api, backend, defaultModel } = deps;
      const models = MODELS.flatMap((model) => {
        const limits = model.backends[api];
        if (!limits) return [];
        return [
          {
            id: model.id,
            display_name: model.displayName,
            stage: model.stage,
            default: model.id === defaultModel,
            aspect_ratios: model.aspectRatios,
            durations_seconds: limits.durations,
            resolutions: limits.resolutions,
            max_videos: limits.maxVideos,
            audio: limits.audio,
            seed: limits.seed,
            person_generation: limits.personGeneration,
            image_to_video: model.imageToVideo,
            price_per_second_usd: model.pricePerSecondUsd,
          },
        ];
      });
      const structured = { backend: backend, api, default_model: defaultModel, models };
      const text = [
        `${models.length} Veo models on the ${backend} backend (${api} API); default ${defaultModel}.`,
        ...models.map(
          (m) =>
            `${m.id} (${m.display_name}, ${m.stage}): ${m.durations_seconds.join('/')}s, ${m.aspect_ratios.join(' ')}, ` +
            `${m.resolutions.join('/')}, up to ${m.max_videos} video(s), audio ${m.audio}`,
        ),
      ].join('\n');
      return { content: [{ type: 'text', text }], structuredContent: structured };
    }),
  );
}
