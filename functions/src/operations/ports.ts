// The ports the domain needs: where records live, where bytes live, how polls are scheduled, and Veo itself.
// Adapters implement these; the domain never sees Firestore, GCS, Pub/Sub or @google/genai types.
import type { Readable } from 'node:stream';
import type { VeoApi } from '../config/index.js';
import type { OperationOutput, OperationRecord, OperationStatus, VideoRequest } from './record.js';

export type CreateResult =
  { created: true; record: OperationRecord } | { created: false; record: OperationRecord };

export interface ListQuery {
  principal: string;
  status?: OperationStatus;
  limit: number;
  cursor?: string;
}

export interface OperationStore {
  /** Creates the record; with an idempotency key, atomically returns the existing record for (principal, key) instead. */
  create(record: OperationRecord): Promise<CreateResult>;
  get(id: string): Promise<OperationRecord | undefined>;
  /**
   * Read-modify-write in one transaction. `mutate` returns the new record, or undefined to leave it unchanged.
   * Returns the record as stored afterwards, or undefined when it does not exist.
   */
  update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
  ): Promise<OperationRecord | undefined>;
  /** The principal's operations, newest first. */
  list(query: ListQuery): Promise<{ records: OperationRecord[]; nextCursor?: string }>;
  /** Non-terminal operations whose next poll was due at or before `dueBefore`: the sweep's work list. */
  findDue(dueBefore: Date, limit: number): Promise<OperationRecord[]>;
  /** The operation that Veo knows by this name (for Veo's own completion notices). */
  findByVeoOperationName(name: string): Promise<OperationRecord | undefined>;
}

export interface BlobStore {
  /** Streams `body` to `key`; returns what was stored. */
  put(key: string, body: Readable | Buffer, mimeType: string): Promise<OperationOutput>;
  /** Metadata of a stored object, or undefined when it does not exist. */
  stat(uri: string): Promise<OperationOutput | undefined>;
  /** An expiring HTTPS (or local HTTP) link that downloads the object. */
  signedUrl(uri: string, ttlSeconds: number): Promise<{ url: string; expiresAt: string }>;
  /** The URI Veo should write outputs to directly (Vertex outputGcsUri), when the store supports it. */
  outputUriFor(prefix: string): string | undefined;
  /** Videos already stored under a prefix (to reconcile an operation whose Veo answer was lost). */
  listOutputs(prefix: string): Promise<OperationOutput[]>;
}

export interface PollMessage {
  operationId: string;
  /** The record's nextPollAt when this poll was arranged: lets the poller drop stale duplicates. */
  scheduledFor?: string;
}

export interface PollQueue {
  enqueue(message: PollMessage, delaySeconds: number): Promise<void>;
}

/** An image ready to send to Veo: bytes (base64) or a gs:// URI Veo reads itself. */
export interface ImageInput {
  reference: VideoRequest['image'] & object;
  base64?: string;
}

/** A generated video as Veo reported it. */
export type GeneratedVideo =
  { kind: 'stored'; uri: string; mimeType: string } | { kind: 'inline'; base64: string; mimeType: string };

export type PollOutcome =
  | { done: false; progressPercent?: number }
  | { done: true; error: { code: string; message: string } }
  | { done: true; videos: GeneratedVideo[]; raiFilteredCount: number; raiReasons: string[] };

export interface VideoGenerator {
  readonly api: VeoApi;
  /** Starts a generation. Never retried blindly: a repeated submit is a second bill. */
  submit(
    request: VideoRequest,
    image: ImageInput | undefined,
    outputUri: string | undefined,
  ): Promise<{ operationName: string; simulated: boolean }>;
  /** Whether outputs written straight to storage can be found without Veo's answer (reconciliation). */
  readonly writesToStorage: boolean;
  poll(operationName: string): Promise<PollOutcome>;
  /** Opens a generated video that has to be copied into the blob store. */
  open(video: Exclude<GeneratedVideo, { kind: 'stored' }>): Promise<Readable>;
}

/** The event a pipeline receives when an operation ends (or its request is rejected before one exists). */
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

export interface CompletionSink {
  /** Publishes the event (and delivers it to the webhook, when one is given). Throws when a retry can help. */
  publish(event: CompletionEvent, options?: { webhookUrl?: string }): Promise<void>;
}
