// COMPAT_TOOLS=genmedia: the tools of Google's mcp-genmedia Veo server (GoogleCloudPlatform/vertex-ai-creative-studio,
// experiments/mcp-genmedia/mcp-genmedia-go/mcp-veo-go: veo.go and handlers*.go, read 2026-12-02) under their names
// and parameter names, run as generate_video / extend_video are: same checks, idempotency, spend limits, admission
// and records. Like the peer's, each call waits for the video (here up to MAX_WAIT_SECONDS); unlike the peer's, a
// value the model does not take is refused (the peer clamps num_videos and duration silently; here they are billed).
// bucket and output_directory are accepted and ignored with a note: outputs live in this server's bucket, and a
// remote server cannot write to the caller's disk. output_filename names the result's links.
import { z } from 'zod';
import type { CallToolResult, McpServer, RegisteredTool, ServerContext } from '@modelcontextprotocol/server';
import { MAX_PROMPT_CHARS } from '../../video/catalog.js';
import { IMAGE_MIME_TYPES } from '../../video/image.js';
import { plainText, strictFields } from '../../video/input-rules.js';
import {
  GenerateVideoArgsSchema,
  prepareRequest,
  type GenerateVideoArgs,
  type PreparedRequest,
} from '../../video/request.js';
import {
  CompatStartResultSchema,
  extensionOnly,
  peerGuarded,
  refuse,
  sameAspect,
  withNotes,
  type PeerNames,
} from '../compat.js';
import { START_ANNOTATIONS, StartArgsSchema, startGeneration } from '../start-generation.js';
import { prepareExtendVideo, type ExtendToolDeps } from './extend-video.js';

const ours = GenerateVideoArgsSchema.shape;

const imageMimeType = (field: string) =>
  z
    .enum(IMAGE_MIME_TYPES, {
      error: (issue) =>
        `Invalid ${field} ${JSON.stringify(issue.input)}: allowed ${IMAGE_MIME_TYPES.join(', ')}`,
    })
    .optional();

const prompt = (required: boolean) => {
  const text = plainText('prompt', z.string().max(MAX_PROMPT_CHARS * 2));
  return required
    ? text.min(1, 'prompt must not be empty').describe('Text prompt for video generation.')
    : text.optional().describe('Optional text prompt to guide video generation.');
};

/** The parameters every genmedia Veo tool takes (its commonVideoParams, plus seed and output_filename). */
const common = {
  bucket: plainText('bucket', z.string().max(1024))
    .optional()
    .describe(
      'Accepted for compatibility and ignored (said in compat_notes): videos are written to this server’s own ' +
        'bucket and reached through the signed links in the result.',
    ),
  output_directory: plainText('output_directory', z.string().max(1024))
    .optional()
    .describe(
      'Accepted and ignored (compat_notes): a remote server cannot write to your disk; use the links.',
    ),
  output_filename: plainText('output_filename', z.string().max(255))
    .optional()
    .describe(
      'Base name for the result’s video links (folders dropped, extension forced to .mp4; several videos get ' +
        '_1, _2, …). The stored object keeps the server’s name.',
    ),
  model: ours.model.describe('Veo model id (see list_video_models); default: the server’s.'),
  num_videos: z
    .number()
    .int('num_videos must be a whole number')
    .min(1, 'num_videos must be at least 1')
    .optional()
    .describe('Number of videos (default 1); above the model’s maximum is refused, not clamped.'),
  aspect_ratio: ours.aspect_ratio,
  duration: z
    .number()
    .int('duration must be a whole number of seconds')
    .optional()
    .describe('Length in seconds; a value the model does not take is refused (Veo 3.1: 4, 6, 8). Default 8.'),
  generate_audio: ours.generate_audio,
  person_generation: ours.person_generation,
  seed: ours.seed,
  idempotency_key: StartArgsSchema.shape.idempotency_key,
};

type Common = { [K in keyof typeof common]?: z.infer<(typeof common)[K]> };

/** Our names of the common parameters, for refusals (compat.ts inPeerTerms). */
const COMMON_NAMES: PeerNames = { number_of_videos: 'num_videos', duration_seconds: 'duration' };

/** The generation arguments the common parameters stand for. */
const generation = (args: Common): GenerateVideoArgs => ({
  model: args.model,
  number_of_videos: args.num_videos,
  aspect_ratio: args.aspect_ratio,
  duration_seconds: args.duration,
  generate_audio: args.generate_audio,
  person_generation: args.person_generation,
  seed: args.seed,
});

/** The link names output_filename asks for (genmedia's rule: base name, forced .mp4, _1.._n for several). */
function linkNames(filename: string | undefined, count: number): string[] | undefined {
  if (filename === undefined || filename.trim() === '') return undefined;
  const base = filename.trim().split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/.test(stem)) {
    throw refuse(
      'output_filename',
      `${JSON.stringify(filename)}: use a name of letters, digits, space, . _ - (up to 128; folders are dropped).`,
    );
  }
  return count === 1 ? [`${stem}.mp4`] : Array.from({ length: count }, (_, i) => `${stem}_${i + 1}.mp4`);
}

function notesFor(args: Common & { mimeNote?: boolean }): string[] {
  const notes: string[] = [];
  if (args.bucket !== undefined) {
    notes.push(
      `bucket ${JSON.stringify(args.bucket)} was ignored: videos are written to this server's bucket (OUTPUT_BUCKET), ` +
        'never to one a caller names, which would put the server’s storage rights at the caller’s choice. ' +
        'Download them from the signed links.',
    );
  }
  if (args.output_directory !== undefined) {
    notes.push(
      'output_directory was ignored: this server runs remotely and cannot write to your disk. Download the ' +
        'videos from the signed links.',
    );
  }
  return notes;
}

/** Renames the result's video links as output_filename asks. */
function named(result: CallToolResult, names: string[] | undefined): CallToolResult {
  if (!names) return result;
  let n = 0;
  return {
    ...result,
    content: result.content.map((block) =>
      block.type === 'resource_link' ? { ...block, name: names[n++] ?? block.name } : block,
    ),
  };
}

type Deps = ExtendToolDeps;

const WAIT_NOTE =
  'Waits for the video up to the server’s MAX_WAIT_SECONDS; if it is not done by then, the result says how to ' +
  'follow it (get_video_operation). Pass idempotency_key so a retried call never pays twice.';

/** Starts the prepared generation, waiting like the peer does (up to MAX_WAIT_SECONDS), with names and notes. */
async function start(
  deps: Deps,
  principal: string,
  args: Common,
  prepare: () => Promise<PreparedRequest>,
  ctx: ServerContext,
  extra: string[] = [],
  what?: string,
): Promise<CallToolResult> {
  const names = linkNames(args.output_filename, args.num_videos ?? 1); // Checked before anything starts.
  const prepared = await prepare();
  const wait = { idempotency_key: args.idempotency_key, wait_seconds: deps.maxWaitSeconds };
  const result = await startGeneration(deps, principal, prepared, wait, ctx, what);
  return withNotes(named(result, names), [...notesFor(args), ...extra]);
}

/** prepareRequest (as generate_video) for the common parameters plus the tool's own. */
const generate = (deps: Deps, args: Common, request: GenerateVideoArgs) => () =>
  prepareRequest(
    { ...generation(args), ...request },
    {
      api: deps.api,
      defaultModel: deps.defaultModel,
      maxImageBytes: deps.maxImageBytes,
      egress: deps.egress,
      ownStorage: deps.ownStorage,
    },
  );

/** The note for mime types that are checked but not passed on: our image reader takes the type from the bytes. */
const sniffedNote = (field: string) =>
  `${field} was checked, not used: the image type is read from the file (its bytes or name).`;

function sameLength(types: string[] | undefined, uris: string[]): void {
  if (types !== undefined && types.length !== uris.length) {
    throw refuse(
      'reference_mime_types',
      `it has ${types.length} entries and reference_image_uris has ${uris.length}; give one per image or omit it.`,
    );
  }
}

export function registerGenmediaTools(
  server: McpServer,
  deps: Deps,
  principal: string,
): Record<string, RegisteredTool> {
  const tools: Record<string, RegisteredTool> = {};

  const t2v = strictFields(z.object({ prompt: prompt(true), ...common }), 'veo_t2v arguments');
  tools.veo_t2v = server.registerTool(
    'veo_t2v',
    {
      title: 'Veo text to video (mcp-genmedia name)',
      description:
        'mcp-genmedia’s veo_t2v, served by this server: generate a video from a text prompt (as generate_video). ' +
        WAIT_NOTE,
      inputSchema: t2v,
      outputSchema: CompatStartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    peerGuarded('veo_t2v', COMMON_NAMES, async (args, ctx) =>
      start(deps, principal, args, generate(deps, args, { prompt: args.prompt }), ctx),
    ),
  );

  const i2v = strictFields(
    z.object({
      image_uri: z
        .string()
        .min(1, 'image_uri must not be empty')
        .describe(
          'The first frame: gs://BUCKET/OBJECT (Vertex AI), or https:// / a data: URL as generate_video.',
        ),
      mime_type: imageMimeType('mime_type').describe('Type of the image when its name does not say it.'),
      prompt: prompt(false),
      ...common,
    }),
    'veo_i2v arguments',
  );
  tools.veo_i2v = server.registerTool(
    'veo_i2v',
    {
      title: 'Veo image to video (mcp-genmedia name)',
      description:
        'mcp-genmedia’s veo_i2v, served by this server: generate a video from a first frame and an optional ' +
        `prompt (as generate_video with image). ${WAIT_NOTE}`,
      inputSchema: i2v,
      outputSchema: CompatStartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    peerGuarded(
      'veo_i2v',
      { ...COMMON_NAMES, image: 'image_uri', image_mime_type: 'mime_type' },
      async (args, ctx) =>
        start(
          deps,
          principal,
          args,
          generate(deps, args, {
            prompt: args.prompt,
            image: args.image_uri,
            image_mime_type: args.mime_type,
          }),
          ctx,
        ),
    ),
  );

  const firstLast = strictFields(
    z.object({
      first_image_uri: z
        .string()
        .min(1, 'first_image_uri must not be empty')
        .describe('The first frame (same forms as veo_i2v image_uri).'),
      first_mime_type: imageMimeType('first_mime_type').describe('Type of the first image.'),
      last_image_uri: z
        .string()
        .min(1, 'last_image_uri must not be empty')
        .describe('The last frame: the video ends on it.'),
      last_mime_type: imageMimeType('last_mime_type').describe(
        'Checked; the last image’s type is read from the file.',
      ),
      prompt: prompt(false),
      ...common,
    }),
    'veo_first_last_to_video arguments',
  );
  tools.veo_first_last_to_video = server.registerTool(
    'veo_first_last_to_video',
    {
      title: 'Veo first and last frame to video (mcp-genmedia name)',
      description:
        'mcp-genmedia’s veo_first_last_to_video, served by this server: a video from a first and a last frame ' +
        `(as generate_video with image and last_frame). ${WAIT_NOTE}`,
      inputSchema: firstLast,
      outputSchema: CompatStartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    peerGuarded(
      'veo_first_last_to_video',
      {
        ...COMMON_NAMES,
        image: 'first_image_uri',
        image_mime_type: 'first_mime_type',
        last_frame: 'last_image_uri',
      },
      async (args, ctx) =>
        start(
          deps,
          principal,
          args,
          generate(deps, args, {
            prompt: args.prompt,
            image: args.first_image_uri,
            image_mime_type: args.first_mime_type,
            last_frame: args.last_image_uri,
          }),
          ctx,
          args.last_mime_type === undefined ? [] : [sniffedNote('last_mime_type')],
        ),
    ),
  );

  const references = strictFields(
    z.object({
      prompt: prompt(true),
      reference_image_uris: z
        .array(z.string())
        .min(1, 'reference_image_uris must hold at least one image')
        .max(3, 'reference_image_uris may hold at most 3 images')
        .describe('Up to 3 asset reference images (a character, object or scene the video keeps).'),
      reference_mime_types: z
        .array(z.enum(IMAGE_MIME_TYPES))
        .optional()
        .describe('Checked (one per image); the types are read from the files.'),
      ...common,
    }),
    'veo_reference_to_video arguments',
  );
  const referenceBody = (name: string) =>
    peerGuarded(
      name,
      { ...COMMON_NAMES, reference_images: 'reference_image_uris' },
      async (args: z.infer<typeof references>, ctx: ServerContext) => {
        sameLength(args.reference_mime_types, args.reference_image_uris);
        return start(
          deps,
          principal,
          args,
          generate(deps, args, { prompt: args.prompt, reference_images: args.reference_image_uris }),
          ctx,
          args.reference_mime_types === undefined ? [] : [sniffedNote('reference_mime_types')],
        );
      },
    );
  // veo_ingredients_to_video is the peer's alias of veo_reference_to_video.
  for (const name of ['veo_reference_to_video', 'veo_ingredients_to_video']) {
    tools[name] = server.registerTool(
      name,
      {
        title: 'Veo reference images to video (mcp-genmedia name)',
        description:
          `mcp-genmedia’s ${name}, served by this server: a video that keeps up to 3 reference images (as ` +
          `generate_video with reference_images). ${WAIT_NOTE}`,
        inputSchema: references,
        outputSchema: CompatStartResultSchema,
        annotations: START_ANNOTATIONS,
      },
      referenceBody(name),
    );
  }

  const extend = strictFields(
    z
      .object({
        video_uri: z
          .string()
          .min(1, 'video_uri must not be empty')
          .max(2048)
          .describe(
            'The MP4 to extend: gs://BUCKET/OBJECT or https://, or the operation_id of one of your results.',
          ),
        mime_type: z
          .enum(['video/mp4'], { error: () => 'Invalid mime_type: only video/mp4 is extended.' })
          .optional()
          .describe('Only video/mp4.'),
        prompt: prompt(false),
        ...common,
      })
      .omit({ duration: true }),
    'veo_extend_video arguments',
  );
  tools.veo_extend_video = server.registerTool(
    'veo_extend_video',
    {
      title: 'Veo extend video (mcp-genmedia name)',
      description:
        'mcp-genmedia’s veo_extend_video, served by this server: Veo 3.1 adds 7 s to an MP4 (checked first: 1–30 ' +
        's, 24 fps, 720p/1080p/4K, 16:9 or 9:16), as extend_video. One video per call; aspect_ratio, if given, ' +
        `must be the input’s; person_generation is not taken. ${WAIT_NOTE}`,
      inputSchema: extend,
      outputSchema: CompatStartResultSchema,
      annotations: START_ANNOTATIONS,
    },
    peerGuarded('veo_extend_video', { ...COMMON_NAMES, video: 'video_uri' }, async (args, ctx) => {
      extensionOnly({ num_videos: args.num_videos, person_generation: args.person_generation });
      const prepare = async () =>
        sameAspect(
          args.aspect_ratio,
          await prepareExtendVideo(deps, principal, {
            video: args.video_uri,
            prompt: args.prompt,
            model: args.model,
            generate_audio: args.generate_audio,
            seed: args.seed,
          }),
        );
      return start(deps, principal, args, prepare, ctx, [], 'video extension');
    }),
  );

  return tools;
}
