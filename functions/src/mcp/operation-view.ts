// How an operation is shown to MCP clients: one schema for structuredContent, plus content blocks — a text summary,
// a resource_link to the operation's own MCP resource (resources.ts) and, when done, one resource_link per video with a
// signed URL (the text repeats the links for clients that drop them). The resource's URI and name are made here, so a
// tool result and resources/list name an operation alike.
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { VideoLink } from '../operations/ports.js';
import {
  BACKENDS,
  backendOf,
  isTerminal,
  OPERATION_STATUSES,
  type OperationRecord,
  type Waiting,
} from '../operations/record.js';

export const VideoLinkSchema = z.object({
  url: z.string().describe('Signed HTTPS (or local HTTP) URL that downloads the MP4; expires at expires_at.'),
  expires_at: z.string().describe('When the signed URL stops working (ISO 8601).'),
  uri: z.string().describe('Storage URI of the video (gs:// on Google Cloud, local: on a laptop).'),
  mime_type: z.string().describe('Always video/mp4.'),
  bytes: z.number().describe('Size of the video in bytes.'),
});

/** Each operation is the MCP resource `veo-mcp://operations/{id}` (resources.ts serves it). */
export const OPERATION_URI_PREFIX = 'veo-mcp://operations/';
export const OPERATION_URI_TEMPLATE = `${OPERATION_URI_PREFIX}{id}`;
export const operationUri = (id: string): string => OPERATION_URI_PREFIX + id;

export const OperationViewSchema = z.object({
  operation_id: z.string().describe('Id to pass to get_video_operation.'),
  resource_uri: z
    .string()
    .describe(
      'This operation as an MCP resource: resources/read returns this view with freshly signed links, so an ' +
        'expired link is one read away from a new one.',
    ),
  status: z.enum(OPERATION_STATUSES).describe('QUEUED and RUNNING are in progress; the rest are final.'),
  done: z.boolean().describe('True when status is final.'),
  backend: z
    .enum(BACKENDS)
    .describe('Where the video was generated; "simulator" videos are test patterns, not real generations.'),
  model: z.string().describe('Model id (Veo or Gemini Omni).'),
  mode: z
    .enum(['generate', 'extend', 'edit'])
    .describe('generate (generate_video), extend (extend_video) or edit (edit_video).'),
  lineage: z
    .object({
      parent_operation_id: z.string().describe('The operation this one extends or edits.'),
      root_operation_id: z.string().describe('The first operation of the chain.'),
      step: z.number().describe('1 for the first extension or edit of the original, 2 for the next, …'),
    })
    .optional()
    .describe('Present on extensions and edits: the chain of operations this video belongs to.'),
  prompt: z.string().optional().describe('The prompt as sent to the model.'),
  aspect_ratio: z.string(),
  duration_seconds: z.number(),
  resolution: z.string().optional(),
  number_of_videos: z.number(),
  estimated_cost_usd: z
    .number()
    .describe('List-price estimate for this request; simulator runs cost nothing.'),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().optional(),
  videos: z.array(VideoLinkSchema).describe('The generated videos, once status is SUCCEEDED.'),
  error: z
    .object({ code: z.string(), message: z.string(), retryable: z.boolean() })
    .optional()
    .describe('Why the operation failed, was filtered or expired.'),
  rai_filtered_count: z.number().optional().describe("Videos removed by Veo's safety filters."),
  rai_reasons: z.array(z.string()).optional().describe("Veo's reasons for filtering."),
  queue: z
    .object({
      reason: z
        .enum(['paced', 'quota', 'unavailable', 'running-limit'])
        .describe(
          'paced: submissions to the model are paced to the project quota; quota: Veo answered 429 and nothing ' +
            'started; unavailable: the model is failing (circuit breaker open); running-limit: you have ' +
            'MAX_RUNNING_OPERATIONS_PER_PRINCIPAL generations at Veo already.',
        ),
      position: z.number().optional().describe("Place in the model's line when last looked at (0: next)."),
      estimated_start_at: z.string().optional().describe('When it should be sent to Veo (ISO 8601).'),
      attempts: z.number().describe('Submits Veo refused without starting anything (429, 503).'),
      unavailable_since: z.string().optional().describe('Since when the model has been failing.'),
      last_error: z.string().optional().describe("Veo's last refusal."),
      message: z.string().describe('The above in one sentence.'),
    })
    .optional()
    .describe('Present while the generation waits for its turn at Veo: nothing has been sent or billed yet.'),
  next_step: z.string().describe('What to do next.'),
});
export type OperationView = z.infer<typeof OperationViewSchema>;

/** The list-price estimate callers see: what the record holds, or 0 when the simulator ran it (nothing billed). */
export const estimatedCostOf = (record: OperationRecord): number =>
  record.simulated ? 0 : record.estimatedCostUsd;

/** How an operation is shown, given its signed links (Operations.links). */
export function viewOperation(record: OperationRecord, links: VideoLink[]): OperationView {
  const videos = links.map((link) => ({
    url: link.url,
    expires_at: link.expiresAt,
    uri: link.uri,
    mime_type: link.mimeType,
    bytes: link.bytes,
  }));
  const done = isTerminal(record.status);
  return {
    operation_id: record.id,
    resource_uri: operationUri(record.id),
    status: record.status,
    done,
    backend: backendOf(record),
    model: record.model,
    mode: record.request.mode ?? 'generate',
    lineage: record.request.parent && {
      parent_operation_id: record.request.parent.operationId,
      root_operation_id: record.request.parent.rootOperationId,
      step: record.request.parent.step,
    },
    prompt: record.request.prompt,
    aspect_ratio: record.request.aspectRatio,
    duration_seconds: record.request.durationSeconds,
    resolution: record.request.resolution,
    number_of_videos: record.request.numberOfVideos,
    estimated_cost_usd: estimatedCostOf(record),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    completed_at: record.completedAt,
    videos,
    error: record.error,
    rai_filtered_count: record.raiFilteredCount || undefined,
    rai_reasons: record.raiReasons?.length ? record.raiReasons : undefined,
    queue: queueOf(record),
    next_step: nextStep(record, videos.length),
  };
}

const REASONS: Record<Waiting['reason'], string> = {
  paced: "submissions to this model are paced to the project's Veo quota (VEO_SUBMITS_PER_MINUTE)",
  quota: 'Veo answered 429 RESOURCE_EXHAUSTED (quota) and started nothing; it is retried with backoff',
  unavailable: 'the model is failing at Veo; it is sent when a probe shows it has recovered',
  'running-limit':
    'you have MAX_RUNNING_OPERATIONS_PER_PRINCIPAL generations at Veo already; it goes when one ends',
};

function queueOf(record: OperationRecord): OperationView['queue'] {
  const waiting = record.waiting;
  if (!waiting || isTerminal(record.status)) return undefined;
  const since = waiting.unavailableSince ? ` (unavailable since ${waiting.unavailableSince})` : '';
  const place =
    waiting.position === undefined
      ? ''
      : waiting.position === 0
        ? ' It is next in line.'
        : ` Place in line: ${waiting.position + 1}.`;
  const when = waiting.estimatedStartAt ? ` Estimated start: ${waiting.estimatedStartAt}.` : '';
  return {
    reason: waiting.reason,
    position: waiting.position,
    estimated_start_at: waiting.estimatedStartAt,
    attempts: waiting.attempts,
    unavailable_since: waiting.unavailableSince,
    last_error: waiting.lastError,
    message:
      `Waiting for its turn at Veo: ${REASONS[waiting.reason]}${since}.${place}${when} ` +
      'Nothing has been sent or billed yet; its seconds are reserved in your budget.',
  };
}

function nextStep(record: OperationRecord, videoCount: number): string {
  switch (record.status) {
    case 'QUEUED':
      if (record.waiting?.estimatedStartAt) {
        return `It waits in line (see queue); call get_video_operation with operation_id "${record.id}" after ${record.waiting.estimatedStartAt}. Nothing is billed until it is sent; cancel_video_operation gives up its place at no cost.`;
      }
      return `Call get_video_operation with operation_id "${record.id}" in about 10 seconds (or generate_video with wait_seconds).`;
    case 'RUNNING':
      return `Call get_video_operation with operation_id "${record.id}" in about 10 seconds (or generate_video with wait_seconds).`;
    case 'SUCCEEDED':
      return `Download the ${videoCount} video(s) from the signed URLs before they expire; call get_video_operation again (or read the resource ${operationUri(record.id)}) for fresh links.`;
    case 'FILTERED':
      return 'The model filtered the output for safety (not billed). Rephrase the prompt (and images) and start a new generation.';
    case 'EXPIRED':
      return 'The model did not finish in time. Start a new generation.';
    default:
      return record.error?.retryable
        ? 'The failure may be temporary: try again with a new idempotency_key.'
        : 'Fix the cause above before trying again.';
  }
}

/** How an operation is named as a resource: in resources/list and in every tool result's resource_link alike. */
export function operationResource(view: OperationView): {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: 'application/json';
} {
  const prompt = view.prompt && view.prompt.length > 60 ? `${view.prompt.slice(0, 57)}...` : view.prompt;
  return {
    uri: view.resource_uri,
    name: `operation-${view.operation_id}`,
    title: `${view.status}: ${prompt ? JSON.stringify(prompt) : view.mode} (${view.model})`,
    description:
      `Video operation ${view.operation_id} (${view.mode}, ${view.model} on ${view.backend}, created ` +
      `${view.created_at}) as JSON; its video links are signed at each read.`,
    mimeType: 'application/json',
  };
}

/** The tool result for one operation: text for every client, links for clients that render them. */
export function operationResult(
  view: OperationView,
  lead: string,
): CallToolResult & { structuredContent: Record<string, unknown> } {
  const lines = [
    `${lead}`,
    `operation_id: ${view.operation_id}`,
    `status: ${view.status}${view.backend === 'simulator' ? ' (simulator: a test pattern, not a real Veo generation)' : ''}`,
    `model: ${view.model} on ${view.backend}; ${view.duration_seconds}s ${view.aspect_ratio}${view.resolution ? ` ${view.resolution}` : ''}`,
    `estimated cost: $${view.estimated_cost_usd.toFixed(2)} at list price`,
  ];
  if (view.queue) lines.push(`queue: ${view.queue.message}`);
  if (view.error) lines.push(`error: ${view.error.code}: ${view.error.message}`);
  view.videos.forEach((video, index) =>
    lines.push(`video-${index}: ${video.url} (expires ${video.expires_at})`),
  );
  lines.push(`resource: ${view.resource_uri}`);
  lines.push(`next: ${view.next_step}`);
  return {
    content: [
      { type: 'text', text: lines.join('\n') },
      ...view.videos.map((video, index) => ({
        type: 'resource_link' as const,
        uri: video.url,
        // The stored object is video-{index}.mp4: the link, the text and a download share its name.
        name: `${view.operation_id}-video-${index}.mp4`,
        title: `Video ${index} of operation ${view.operation_id}`,
        mimeType: 'video/mp4',
        description: `${view.backend === 'simulator' ? 'Simulated test pattern' : 'Veo video'}, ${video.bytes} bytes; link expires ${video.expires_at}`,
      })),
      // After the videos, so a client that takes the first link gets the MP4.
      { type: 'resource_link' as const, ...operationResource(view) },
    ],
    structuredContent: view as unknown as Record<string, unknown>,
  };
}
