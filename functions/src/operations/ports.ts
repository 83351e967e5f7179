// The ports the domain needs: where records live, where bytes live, how polls are scheduled, and Veo itself.
// Adapters implement these; the domain never sees Firestore, GCS, Pub/Sub or @google/genai types.
import type { Readable } from 'node:stream';
import { AppError, type ErrorCode } from '../errors.js';
import type { StartUsage, UsageRelease, UsageSnapshot } from './budget.js';
import type { GateState } from './gate.js';
import type {
  ImageReference,
  VideoReference,
  OperationOutput,
  OperationRecord,
  OperationStatus,
  VideoRequest,
  WireApi,
} from './record.js';

/** What a dispatch transaction changes: the record, the gate, and the principal's running count (+1, -1). */
export interface DispatchChange {
  record?: OperationRecord;
  gate?: GateState;
  running?: 1 | -1;
  /** An ending's release (budget.ts releaseOnEnding), applied as `update` applies it. */
  release?: UsageRelease;
}

export type CreateResult =
  { created: true; record: OperationRecord } | { created: false; record: OperationRecord };

export interface ListQuery {
  principal: string;
  status?: OperationStatus;
  limit: number;
  cursor?: string;
}

export interface OperationStore {
  /**
   * Creates the record; with an idempotency key, atomically returns the existing record for (principal, key) instead
   * (and reserves nothing). A record with a `reservation` is admitted in the same transaction: `admit` sees the
   * principal's and the deployment's seconds on the reservation's day and the principal's running operations, and
   * throws to refuse (then nothing is written); else the seconds (and, for a record that holds one, a running slot) are added to them.
   */
  create(record: OperationRecord, admit?: (usage: StartUsage) => void): Promise<CreateResult>;
  /**
   * Like `create`, and in the same transaction the record joins its model's gate (`gateKey`): `admit` also sees the
   * gate (usage.queued counts the principal's operations in its line) and returns the gate to store.
   */
  createInLine(
    record: OperationRecord,
    gateKey: string,
    admit: (usage: StartUsage, gate: GateState) => GateState,
  ): Promise<CreateResult>;
  /**
   * One transaction over the operation, its model's gate and the principal's running count: `decide` returns the
   * changes to store (undefined: none). Returns the record and gate as stored afterwards; undefined when the
   * operation does not exist.
   */
  dispatch(
    id: string,
    gateKey: string,
    decide: (current: OperationRecord, gate: GateState, running: number) => DispatchChange | undefined,
  ): Promise<{ record: OperationRecord; gate: GateState } | undefined>;
  /** A model's gate: read it, or read-modify-write it in one transaction (`mutate` returns undefined: no change). */
  gate(gateKey: string, mutate?: (gate: GateState) => GateState | undefined): Promise<GateState>;
  get(id: string): Promise<OperationRecord | undefined>;
  /**
   * Read-modify-write in one transaction. `mutate` returns the new record, or undefined to leave it unchanged.
   * Returns the record as stored afterwards, or undefined when it does not exist. When `mutate` changed the record,
   * `release` says what the change gives back to the usage counters (an ending: its running slot if held, and maybe
   * seconds), applied in the same transaction.
   */
  update(
    id: string,
    mutate: (current: OperationRecord) => OperationRecord | undefined,
    release?: (before: OperationRecord, after: OperationRecord) => UsageRelease | undefined,
  ): Promise<OperationRecord | undefined>;
  /** The principal's operations, newest first. */
  list(query: ListQuery): Promise<{ records: OperationRecord[]; nextCursor?: string }>;
  /**
   * Records with something due at or before `dueBefore` (`nextPollAt`): live operations whose poll is due, and
   * ended ones whose completion event is not out. The sweep's work list.
   */
  findDue(dueBefore: Date, limit: number): Promise<OperationRecord[]>;
  /** The operation that Veo knows by this name (for Veo's own completion notices). */
  findByVeoOperationName(name: string): Promise<OperationRecord | undefined>;
}

/**
 * The usage counters that are not part of a record's creation or ending: tool calls per minute, and reading a
 * principal's usage. Shared by every instance (Firestore documents in the cloud).
 */
export interface UsageLedger {
  /**
   * Counts one tool call in `principal`'s `minute` (YYYY-MM-DDTHH:MM, UTC) unless `admit`, given the calls already
   * counted in it, throws; then nothing is counted.
   */
  countCall(principal: string, minute: string, admit: (callsThisMinute: number) => void): Promise<void>;
  /** The principal's usage on `day` and in `minute`. */
  usage(principal: string, day: string, minute: string): Promise<UsageSnapshot>;
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
  /** The bytes of a stored object (an input image kept while its operation waits in line). */
  read(uri: string): Promise<Buffer>;
  /**
   * A stream of a stored object, for readers that may stop early (an input video's header) or must not hold it whole.
   * Throws AppError NOT_FOUND naming the URI when there is no such object.
   */
  openRead(uri: string): Promise<Readable>;
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

/** An image ready to send to the model: bytes (base64) or a gs:// URI the model reads itself. */
export interface ImageInput {
  reference: ImageReference;
  base64?: string;
}

/** The media a generation sends, by role; their references are in the request, bytes only here. */
export interface MediaInputs {
  /** First frame. */
  image?: ImageInput;
  lastFrame?: ImageInput;
  referenceImages?: ImageInput[];
  /** The video to extend: a gs:// URI the model reads itself, or its bytes (base64) from the blob store. */
  video?: { reference: VideoReference; base64?: string };
}

/** What a submit needs besides the request and its media. */
export interface SubmitContext {
  operationId: string;
  principal: string;
  /** Where the model writes its outputs itself (Vertex: outputGcsUri / gcs_uri), when the blob store allows. */
  outputUri?: string;
}

/**
 * A generated video as the model reported it: written to storage by the model, inline bytes, or a remote file (the
 * Gemini API's files: downloaded with the API key, streamed into the blob store).
 */
export type GeneratedVideo =
  | { kind: 'stored'; uri: string; mimeType: string }
  | { kind: 'inline'; base64: string; mimeType: string }
  | { kind: 'remote'; uri: string; mimeType: string };

/** Whether the model's API says the model is served to this project or key (list_video_models). */
export interface ModelAvailability {
  state: 'available' | 'not-found' | 'unknown';
  checkedAt: string;
  /** Why unknown / not found, in the API's words. */
  detail?: string;
}

/** What Veo says when asked about a generation. */
export type GenerationStatus =
  | { done: false; progressPercent?: number }
  | { done: true; error: { code: string; message: string } }
  | { done: true; videos: GeneratedVideo[]; raiFilteredCount: number; raiReasons: string[] };

/**
 * How a submit Veo did not accept left things: `not-started` (429 quota, 503 unavailable, unreachable before sending:
 * nothing started, nothing billed, safe to send again), `unknown` (a timeout after sending, 500/504, a malformed
 * answer: it may have started and will be billed, so it is reconciled, never sent again) or `refused` (a 4xx: the
 * request itself is wrong, sending it again changes nothing).
 */
export type SubmitFailureKind = 'not-started' | 'unknown' | 'refused';

/** A failed submit, as the VideoGenerator classifies it. `outage`: it looks like Veo is down (for the breaker). */
export class SubmitFailure extends AppError {
  readonly kind: SubmitFailureKind;
  readonly outage: boolean;
  constructor(code: ErrorCode, message: string, kind: SubmitFailureKind, outage: boolean) {
    // Only a submit that started nothing may be sent again; one that may have started never is (a second bill).
    super(code, message, kind === 'not-started');
    this.kind = kind;
    this.outage = outage;
  }
}

export interface VideoGenerator {
  readonly api: WireApi;
  /**
   * Starts a generation. Never retried blindly: a repeated submit is a second bill. Throws a SubmitFailure that says
   * whether anything may have started (anything else thrown counts as `unknown`).
   */
  submit(
    request: VideoRequest,
    inputs: MediaInputs,
    context: SubmitContext,
  ): Promise<{ operationName: string; simulated: boolean }>;
  /** Whether `model`'s outputs written straight to storage can be found without its answer (reconciliation). */
  writesToStorage(model: string): boolean;
  poll(operationName: string, model: string): Promise<GenerationStatus>;
  /**
   * Asks the model's API to stop a started generation: 'cancelled' when it did (Omni interactions), 'finished' when it
   * had already ended (it may be billed), 'unsupported' when the API has no cancel (Veo: a started job may still be
   * billed). Throws when the API failed.
   */
  cancel(operationName: string, model: string): Promise<'cancelled' | 'finished' | 'unsupported'>;
  /** Opens a generated video that has to be copied into the blob store. */
  open(video: Exclude<GeneratedVideo, { kind: 'stored' }>, model: string): Promise<Readable>;
  /** Whether the API serves `model` to this project or key now (cached by the adapter). */
  availability(model: string): Promise<ModelAvailability>;
}

/** A generated video as callers get it: where it is stored and a signed link that downloads it. */
export interface VideoLink {
  uri: string;
  url: string;
  expiresAt: string;
  mimeType: string;
  bytes: number;
}

/** A pipeline's generation request refused before any operation existed. */
export interface Rejection {
  /** Stable per rejected message: consumers deduplicate on it. */
  messageId: string;
  requestId?: string;
  /** Why, as an error code (INVALID_ARGUMENT, ALREADY_EXISTS, …) and a message for the pipeline's owner. */
  code: string;
  reason: string;
  correlation: Record<string, string>;
  at: Date;
}

/**
 * Where completions go (the completions topic, in-process subscribers, webhooks); the adapters own the wire format.
 * Both methods throw when a retry can help.
 */
export interface CompletionSink {
  /** An operation ended: its record, with signed links to its videos. */
  completed(record: OperationRecord, videos: VideoLink[]): Promise<void>;
  rejected(rejection: Rejection): Promise<void>;
}
