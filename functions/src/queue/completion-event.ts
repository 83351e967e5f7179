// The wire format of completion events, the pipelines' contract: JSON on the completions topic (and the webhook
// body), one event per ended operation or rejected request. Consumers deduplicate on event_id.
import type { Rejection, VideoLink } from '../operations/ports.js';
import { backendOf, type OperationRecord } from '../operations/record.js';

export interface CompletionEvent {
  /** Stable per operation (or rejected message): consumers deduplicate on it. */
  event_id: string;
  type: 'operation.completed' | 'request.rejected';
  operation_id?: string;
  request_id?: string;
  status: OperationRecord['status'] | 'REJECTED';
  backend?: string;
  model?: string;
  videos: Array<{ uri: string; url: string; expires_at: string; mime_type: string; bytes: number }>;
  error?: { code: string; message: string; retryable: boolean };
  rai_filtered_count?: number;
  rai_reasons?: string[];
  correlation: Record<string, string>;
  completed_at: string;
}

export function completedEvent(record: OperationRecord, videos: VideoLink[]): CompletionEvent {
  return {
    event_id: record.id,
    type: 'operation.completed',
    operation_id: record.id,
    request_id: record.idempotencyKey,
    status: record.status,
    backend: backendOf(record),
    model: record.model,
    videos: videos.map((v) => ({
      uri: v.uri,
      url: v.url,
      expires_at: v.expiresAt,
      mime_type: v.mimeType,
      bytes: v.bytes,
    })),
    error: record.error,
    rai_filtered_count: record.raiFilteredCount || undefined,
    rai_reasons: record.raiReasons?.length ? record.raiReasons : undefined,
    correlation: record.correlation ?? {},
    completed_at: record.completedAt ?? record.updatedAt,
  };
}

export function rejectedEvent(rejection: Rejection): CompletionEvent {
  return {
    event_id: `rejected:${rejection.messageId}`,
    type: 'request.rejected',
    request_id: rejection.requestId,
    status: 'REJECTED',
    videos: [],
    error: { code: rejection.code, message: rejection.reason, retryable: false },
    correlation: rejection.correlation,
    completed_at: rejection.at.toISOString(),
  };
}

/** Delivers an event to a webhook URL (queue/webhook.ts, with the server's signing secret). */
export type WebhookDelivery = (url: string, event: CompletionEvent) => Promise<unknown>;
