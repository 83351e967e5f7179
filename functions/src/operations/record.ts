// The operation record: what we know about one video generation, from request to outputs. Plain data, no client types.
import type { Reservation } from './budget.js';

/**
 * Where a generation runs: Veo on Vertex AI, or the built-in simulator (which speaks Vertex's wire protocol).
 * 'gemini' appears only on records made before 2026-10-22, when the Gemini API still served Veo.
 */
export const BACKENDS = ['vertex', 'simulator', 'gemini'] as const;
export type Backend = (typeof BACKENDS)[number];
/** The wire API a record was sent on; `simulated` says whether a simulator answered it. */
export type WireApi = Exclude<Backend, 'simulator'>;

export const OPERATION_STATUSES = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'FILTERED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<OperationStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'FILTERED',
  'CANCELLED',
  'EXPIRED',
]);

export const isTerminal = (status: OperationStatus): boolean => TERMINAL_STATUSES.has(status);

/** Where an input image came from; its bytes are never stored in the record. */
export interface ImageReference {
  source: 'gcs' | 'https' | 'inline';
  /** gs:// or https:// URI; absent for inline images. */
  uri?: string;
  mimeType: string;
  bytes?: number;
  sha256?: string;
}

/** An input video (extend_video, or a reference clip): where it is, and what was checked about it before spend. */
export interface VideoReference {
  /** 'operation': an output of one of the caller's own operations (`operationId`). */
  source: 'operation' | 'gcs' | 'https';
  /** gs:// or https:// URI (an operation's output: its stored URI). */
  uri: string;
  mimeType: string;
  operationId?: string;
  /** source 'https': the URL the caller gave; `uri` is then the copy in the blob store (Veo reads only gs://). */
  sourceUrl?: string;
  /** As read from the MP4 before the submit. */
  durationSeconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  bytes?: number;
}

/**
 * What a generation does: 'generate' (text/image/frames/references to video, the default when absent), 'extend' (a
 * longer video from an input video: extend_video) or 'edit' (Omni: a new turn on a previous result: edit_video).
 */
export type GenerationMode = 'generate' | 'extend' | 'edit';

/** The operation a generation continues (extend or edit): lineage across steps, and the upstream name to continue. */
export interface ParentLink {
  operationId: string;
  /** The first operation of the chain (itself for a first step). */
  rootOperationId: string;
  /** 1 for the first extension or edit of an original, 2 for the next, … */
  step: number;
  /** The parent's upstream name (an Omni interaction id continues as previous_interaction_id). */
  upstreamName?: string;
  /** Seconds of video the parent's result holds (the length an extension continues from). */
  inputSeconds?: number;
}

/** Validated, normalized generation arguments, as sent to the model (minus media bytes). */
export interface VideoRequest {
  model: string;
  mode?: GenerationMode;
  prompt?: string;
  negativePrompt?: string;
  /** First frame (image-to-video). */
  image?: ImageReference;
  /** Last frame (first + last frame interpolation; needs `image`). */
  lastFrame?: ImageReference;
  /** Asset reference images ("ingredients"). */
  referenceImages?: ImageReference[];
  /** The video to extend (mode 'extend'). */
  video?: VideoReference;
  parent?: ParentLink;
  aspectRatio: string;
  durationSeconds: number;
  resolution?: string;
  numberOfVideos: number;
  personGeneration?: string;
  seed?: number;
  generateAudio?: boolean;
  enhancePrompt?: boolean;
  /** Vertex Veo only. */
  fps?: number;
  compressionQuality?: 'OPTIMIZED' | 'LOSSLESS';
  resizeMode?: 'PAD' | 'CROP';
}

/** Why a generation is not at Veo yet. */
export type WaitReason =
  /** Submissions to its model are paced to the project's quota (VEO_SUBMITS_PER_MINUTE). */
  | 'paced'
  /** Veo answered 429 RESOURCE_EXHAUSTED: nothing started; retried with backoff. */
  | 'quota'
  /** The model is failing (the breaker is open, or Veo answered 503): retried when it recovers. */
  | 'unavailable'
  /** The principal has MAX_RUNNING_OPERATIONS_PER_PRINCIPAL generations at Veo already. */
  | 'running-limit';

export interface Waiting {
  since: string;
  reason: WaitReason;
  /** Submits Veo refused without starting anything (429, 503). */
  attempts: number;
  /** 0-based place in the model's line when last looked at (0: next). */
  position?: number;
  estimatedStartAt?: string;
  /** The model's breaker opened at this time (reason 'unavailable'). */
  unavailableSince?: string;
  /** Veo's last refusal, for the caller. */
  lastError?: string;
}

export interface OperationOutput {
  /** gs:// URI on GCS, or the blob key on the local blob store. */
  uri: string;
  mimeType: string;
  bytes: number;
}

export interface OperationError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface OperationRecord {
  id: string;
  principal: string;
  status: OperationStatus;
  request: VideoRequest;
  model: string;
  /** The Veo wire API used (vertex; gemini on old records). */
  backend: WireApi;
  /** True when the operation ran on the Veo simulator, not on Google's Veo. */
  simulated: boolean;
  veoOperationName?: string;
  idempotencyKey?: string;
  /** sha256 of the normalized request: the same idempotency key must come with the same arguments. */
  requestHash: string;
  outputPrefix: string;
  outputs: OperationOutput[];
  error?: OperationError;
  raiFilteredCount?: number;
  raiReasons?: string[];
  estimatedCostUsd: number;
  /**
   * The seconds of video this operation holds against the daily limits (operations/budget.ts), reserved in the
   * transaction that created the record and given back, when it ends without output, in the one that ends it.
   * Absent on records made before spend limits: they hold nothing.
   */
  reservation?: Reservation;
  /**
   * Present while the operation waits for its submit to Veo (status QUEUED, nothing sent, nothing billed): why, its
   * place in its model's line and when it should go. Absent on a QUEUED record whose submit is (or may have been)
   * sent: that one is followed by reconciling, never resubmitted.
   */
  waiting?: Waiting;
  /**
   * When its submit went to Veo (the last try, if Veo refused earlier ones without starting anything). The deadline
   * for Veo to finish, and the grace for a submit's answer, count from here; time spent waiting in line is bounded
   * by the deadline separately. Records made before queueing have none: their createdAt stands in.
   */
  submittedAt?: string;
  /** A copy of an input image given as bytes, kept while the operation waits (`${outputPrefix}input-image`). */
  imageCopyUri?: string;
  /**
   * Copies of the other input images given as bytes (last frame, reference images), kept while the operation waits,
   * by role: 'lastFrame', 'reference-0', 'reference-1', … (`${outputPrefix}input-{role}`).
   */
  inputCopies?: Record<string, string>;
  pollCount: number;
  /** Consecutive failed polls; reset on a successful poll. */
  pollErrors: number;
  nextPollAt?: string;
  /** The poll that holds the current slot (until nextPollAt); cleared when it records its outcome. */
  pollClaim?: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** When the record may be deleted (Firestore TTL). */
  expireAt: string;
  /** Pipelines: the caller's attributes, echoed on the completion event. */
  correlation?: Record<string, string>;
  /** Pipelines: HTTPS endpoint that receives the signed completion event. */
  webhookUrl?: string;
  /**
   * Completion event bookkeeping: the lease that lets one instance publish (taken by the transaction that ends the
   * operation), and when the event went out. A terminal record keeps `nextPollAt` until its event is out, so the
   * sweep finds an event that was never published.
   */
  /** The caller cancelled it and the model's API stopped it (Omni interactions): nothing more is billed. */
  upstreamCancelled?: boolean;
  /** It ended FAILED after a submit whose outcome is unknown: Google may have started and bill it. */
  mayBeBilled?: boolean;
  announceToken?: string;
  announceLeaseUntil?: string;
  completionPublishedAt?: string;
}

/** The link an extension or edit of `parent` carries: its place in the parent's chain, and the upstream name. */
export function childLink(parent: OperationRecord): ParentLink {
  const above = parent.request.parent;
  return {
    operationId: parent.id,
    rootOperationId: above?.rootOperationId ?? parent.id,
    step: (above?.step ?? 0) + 1,
    upstreamName: parent.veoOperationName,
    inputSeconds: resultSecondsOf(parent),
  };
}

/** Seconds of video the operation's result holds: an extension's input plus the seconds it added. */
export const resultSecondsOf = (record: Pick<OperationRecord, 'request'>): number =>
  record.request.mode === 'extend'
    ? (record.request.video?.durationSeconds ?? record.request.parent?.inputSeconds ?? 0) +
      record.request.durationSeconds
    : record.request.durationSeconds;

/** Where the record's generation ran, as shown to callers. */
export const backendOf = (record: OperationRecord): Backend =>
  record.simulated ? 'simulator' : record.backend;
