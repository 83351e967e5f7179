// The domain on a manual clock: memory store, in-process queue, an in-memory blob store, a fake video generator and
// a completion sink that records (and can refuse) events. Everything runs in memory, so tests take milliseconds.
import { Readable } from 'node:stream';
import { AppError } from '../../../functions/src/errors.js';
import {
  Operations,
  type OperationsSettings,
  type StartInput,
} from '../../../functions/src/operations/index.js';
import {
  SubmitFailure,
  type BlobStore,
  type CompletionSink,
  type GenerationStatus,
  type ImageInput,
  type MediaInputs,
  type ModelAvailability,
  type SubmitContext,
  type Rejection,
  type VideoGenerator,
  type VideoLink,
} from '../../../functions/src/operations/ports.js';
import type {
  OperationOutput,
  OperationRecord,
  VideoRequest,
} from '../../../functions/src/operations/record.js';
import { InProcessPollQueue } from '../../../functions/src/queue/inprocess.js';
import { MemoryOperationStore } from '../../../functions/src/store/memory.js';
import { ManualClock } from '../../helpers/manual-clock.js';

export class FakeGenerator implements VideoGenerator {
  readonly api = 'vertex' as const;
  storesOutputs = true;
  writesToStorage(): boolean {
    return this.storesOutputs;
  }
  submits = 0;
  polls = 0;
  /** The next submit throws this. */
  submitError?: Error;
  /** The next submit never answers (the instance "dies" with the request in flight). */
  hangNextSubmit = false;
  /** While set, every submit fails with this (an outage, a quota) and starts nothing. */
  down?: Error;
  /** Submits Veo accepted, in order, with the image each was sent with. */
  readonly accepted: Array<{ name: string; image?: ImageInput; context: SubmitContext }> = [];
  private readonly statuses = new Map<string, GenerationStatus>();

  async submit(_request: VideoRequest, inputs: MediaInputs, context: SubmitContext) {
    this.submits++;
    if (this.down) throw this.down;
    if (this.submitError) {
      const err = this.submitError;
      this.submitError = undefined;
      throw err;
    }
    if (this.hangNextSubmit) {
      this.hangNextSubmit = false;
      return new Promise<never>(() => {});
    }
    const name = `projects/p/locations/us-central1/publishers/google/models/m/operations/${this.submits}`;
    this.statuses.set(name, { done: false });
    this.outputs.set(name, context.outputUri ?? '');
    this.accepted.push({ name, image: inputs.image, context });
    return { operationName: name, simulated: false };
  }

  readonly outputs = new Map<string, string>();

  async cancel(): Promise<'unsupported'> {
    return 'unsupported';
  }

  async availability(): Promise<ModelAvailability> {
    return { state: 'available', checkedAt: new Date(0).toISOString() };
  }

  async poll(name: string): Promise<GenerationStatus> {
    this.polls++;
    const status = this.statuses.get(name);
    if (!status) throw new AppError('NOT_FOUND', `no operation ${name}`);
    return status;
  }

  /** Veo finishes the generation: one video written to the operation's output location. */
  succeed(name: string, blobs: MemoryBlobStore): void {
    const uri = `${this.outputs.get(name)}sample_0.mp4`;
    blobs.objects.set(uri, { uri, mimeType: 'video/mp4', bytes: 1024 });
    this.statuses.set(name, {
      done: true,
      videos: [{ kind: 'stored', uri, mimeType: 'video/mp4' }],
      raiFilteredCount: 0,
      raiReasons: [],
    });
  }

  /** Veo's safety filters removed every video. */
  filter(name: string, reason: string): void {
    this.statuses.set(name, { done: true, videos: [], raiFilteredCount: 1, raiReasons: [reason] });
  }

  fail(name: string, message: string): void {
    this.statuses.set(name, { done: true, error: { code: 'INTERNAL', message } });
  }

  async open(): Promise<Readable> {
    return Readable.from([Buffer.alloc(16)]);
  }
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, OperationOutput>();
  readonly contents = new Map<string, Buffer>();
  async put(key: string, body: Readable | Buffer, mimeType: string): Promise<OperationOutput> {
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from(body)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const output = { uri: `mem://${key}`, mimeType, bytes: bytes.length };
    this.objects.set(output.uri, output);
    this.contents.set(output.uri, bytes);
    return output;
  }
  async read(uri: string): Promise<Buffer> {
    const bytes = this.contents.get(uri);
    if (!bytes) throw new Error(`no object ${uri}`);
    return bytes;
  }
  /** Counts the reads: a test can see that a refused input was not read, or not read whole. */
  reads = 0;
  async openRead(uri: string): Promise<Readable> {
    const bytes = this.contents.get(uri);
    if (!bytes) throw new AppError('NOT_FOUND', `No object ${uri}.`);
    this.reads++;
    return Readable.from([bytes]);
  }
  async stat(uri: string) {
    return this.objects.get(uri);
  }
  async signedUrl(uri: string, ttlSeconds: number) {
    return {
      url: `https://signed.example/${encodeURIComponent(uri)}`,
      expiresAt: new Date(ttlSeconds * 1000).toISOString(),
    };
  }
  outputUriFor(prefix: string): string {
    return `mem://${prefix}`;
  }
  async listOutputs(prefix: string): Promise<OperationOutput[]> {
    return [...this.objects.values()].filter((o) => o.uri.startsWith(`mem://${prefix}`));
  }
}

export class RecordingSink implements CompletionSink {
  readonly completed_: Array<{ record: OperationRecord; videos: VideoLink[] }> = [];
  readonly rejections: Rejection[] = [];
  /** How many of the next publishes fail. */
  failures = 0;

  async completed(record: OperationRecord, videos: VideoLink[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('completions topic unavailable');
    }
    this.completed_.push({ record, videos });
  }
  async rejected(rejection: Rejection): Promise<void> {
    this.rejections.push(rejection);
  }
  /** Events published for one operation. */
  eventsFor(id: string): OperationRecord[] {
    return this.completed_.filter((e) => e.record.id === id).map((e) => e.record);
  }
}

export const SETTINGS: OperationsSettings = {
  poll: { initialDelaySeconds: 10, intervalSeconds: 10, maxIntervalSeconds: 60 },
  operationDeadlineSeconds: 600,
  retentionDays: 1,
  outputPrefix: 'videos',
  submitGraceSeconds: 60,
  sweepGraceSeconds: 30,
  signedUrlTtlSeconds: 3600,
  // Far above anything these tests start; the spend-limit tests (budget.test.ts) set their own.
  limits: {
    dailySecondsPerPrincipal: 1_000_000,
    dailySecondsByPrincipal: {},
    dailySecondsTotal: 1_000_000,
    requestsPerMinute: 1_000_000,
    maxRunning: 1_000_000,
  },
  // No pacing, no breaker unless a test asks (gate tests set their own).
  admission: {
    submitsPerMinute: 1_000_000,
    submitsPerMinuteByModel: {},
    maxQueuedPerPrincipal: 1_000,
    breakerFailures: 1_000,
    breakerWindowSeconds: 60,
    breakerOpenSeconds: 30,
  },
};

export function harness(settings: Partial<OperationsSettings> = {}) {
  const clock = new ManualClock();
  const store = new MemoryOperationStore();
  const blobs = new MemoryBlobStore();
  const veo = new FakeGenerator();
  const sink = new RecordingSink();
  const queue = new InProcessPollQueue(clock);
  const ledger = store;
  const operations = new Operations({
    store,
    ledger,
    blobs,
    queue,
    veo,
    completions: sink,
    settings: { ...SETTINGS, ...settings },
    clock,
  });
  queue.subscribe(async (message) => {
    await operations.poll(message.operationId, message.scheduledFor);
  });
  const request: VideoRequest = {
    model: 'veo-3.1-fast-generate-001',
    prompt: 'a fox',
    aspectRatio: '16:9',
    durationSeconds: 8,
    numberOfVideos: 1,
  };
  const start = (extra: { idempotencyKey?: string; principal?: string; prompt?: string } = {}) =>
    operations.start({
      principal: extra.principal ?? 'p',
      request: { ...request, prompt: extra.prompt ?? request.prompt },
      idempotencyKey: extra.idempotencyKey,
      estimatedCostUsd: 1.2,
    });
  return { clock, store, ledger, blobs, veo, sink, queue, operations, start, close: () => queue.close() };
}

/** The model the harness starts, and its admission gate's key. */
export const HARNESS_MODEL = 'veo-3.1-fast-generate-001';
export const HARNESS_GATE = `vertex:${HARNESS_MODEL}`;

/** Veo's answers to a submit that started nothing: 503 (counts toward the breaker) and 429 (the quota; does not). */
export const veoUnavailable = () =>
  new SubmitFailure(
    'UPSTREAM',
    'Veo is unavailable (HTTP 503): The service is currently unavailable.',
    'not-started',
    true,
  );
export const veoQuota = () =>
  new SubmitFailure(
    'RESOURCE_EXHAUSTED',
    'Veo is rate limiting requests (HTTP 429): Quota exceeded',
    'not-started',
    false,
  );

/** A start of an image-to-video generation whose image is given as bytes (kept while it waits). */
export const imageStartInput = (bytes: Buffer, principal = 'p'): StartInput => {
  const reference = { source: 'inline' as const, mimeType: 'image/png', bytes: bytes.length };
  return {
    principal,
    request: {
      model: HARNESS_MODEL,
      prompt: 'animate this',
      aspectRatio: '16:9' as const,
      durationSeconds: 8,
      numberOfVideos: 1,
      image: reference,
    },
    inputs: { image: { reference, base64: bytes.toString('base64') } },
    estimatedCostUsd: 1.2,
  };
};

/** A harness with some admission settings (pace, line, breaker) changed from SETTINGS' unpaced ones. */
export const admissionHarness = (
  admission: Partial<OperationsSettings['admission']>,
  rest: Partial<OperationsSettings> = {},
) => harness({ ...rest, admission: { ...SETTINGS.admission, ...admission } });
