// The one place that reads the environment: a zod schema over process.env, parsed once at startup.
// Every other module receives the typed Config. A bad value fails here, naming the variable and what is allowed.
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: () => `must be an integer between ${min} and ${max}` })
    .int(`must be an integer between ${min} and ${max}`)
    .min(min, `must be an integer between ${min} and ${max}`)
    .max(max, `must be an integer between ${min} and ${max}`);

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: () => `must be one of: ${values.join(', ')}` });

const httpUrl = z
  .string()
  .url('must be an absolute http(s) URL')
  .refine((v) => /^https?:\/\//.test(v), 'must be an absolute http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** Raw environment schema: names and allowed values exactly as an operator writes them. */
const EnvSchema = z.object({
  PORT: int(1, 65535).default(8080),
  VEO_BACKEND: oneOf(['vertex', 'gemini', 'simulator']).optional(),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GOOGLE_API_KEY: z.string().min(1).optional(),
  GOOGLE_GENAI_USE_VERTEXAI: bool.optional(),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  GOOGLE_CLOUD_LOCATION: z.string().min(1).default('us-central1'),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  VEO_BASE_URL: httpUrl.optional(),
  VEO_AUTH: oneOf(['google', 'none']).optional(),
  VEO_DEFAULT_MODEL: z.string().min(1).default('veo-3.0-fast-generate-001'),
  VEO_TIMEOUT_SECONDS: int(1, 300).default(30),
  VEO_OPERATION_DEADLINE_SECONDS: int(1, 86400).default(1800),
  SIMULATOR_DELAY_SECONDS: z.coerce
    .number({ error: () => 'must be a number of seconds between 0 and 3600' })
    .min(0, 'must be a number of seconds between 0 and 3600')
    .max(3600, 'must be a number of seconds between 0 and 3600')
    .default(4),
  STORE: oneOf(['memory', 'firestore']).default('memory'),
  FIRESTORE_DATABASE: z.string().min(1).default('(default)'),
  FIRESTORE_COLLECTION: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a collection id')
    .default('operations'),
  FIRESTORE_IDEMPOTENCY_COLLECTION: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a collection id')
    .default('idempotency_keys'),
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
  BLOBS: oneOf(['local', 'gcs']).default('local'),
  OUTPUT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'must be a bucket name (no gs:// prefix)')
    .optional(),
  STORAGE_EMULATOR_HOST: z.string().optional(),
  QUEUE: oneOf(['inprocess', 'pubsub']).default('inprocess'),
  POLL_TOPIC: z
    .string()
    .regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub topic id')
    .default('veo-poll'),
  VEO_COMPLETION_TOPIC: z.string().optional(),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  POLL_HANDLER_MAX_WAIT_SECONDS: int(0, 300).default(30),
  REQUESTS_TOPIC: z
    .string()
    .regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub topic id')
    .default('veo-requests'),
  COMPLETIONS_TOPIC: z
    .string()
    .regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub topic id')
    .default('veo-completions'),
  PIPELINE_PRINCIPAL: z.string().min(1).max(200).default('pipeline'),
  PIPELINE_PRINCIPALS: z
    .string()
    .regex(
      /^[\w.~+%-]+=[^,=]+(,[\w.~+%-]+=[^,=]+)*$/,
      'must be SUBSCRIPTION=PRINCIPAL pairs separated by commas',
    )
    .optional(),
  MAX_REQUEST_MESSAGE_BYTES: int(1024, 10_000_000).default(8 * 1024 * 1024),
  WEBHOOK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SWEEP_GRACE_SECONDS: int(0, 3600).default(60),
  LOCAL_BLOB_DIR: z.string().min(1).default('.blobs'),
  LOCAL_BLOB_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SIGNED_URL_TTL_SECONDS: int(60, 604800).default(3600),
  PUBLIC_BASE_URL: httpUrl.optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  AUTH_MODE: oneOf(['iam', 'api_key']).default('iam'),
  API_KEY_HASHES: z
    .string()
    .regex(
      /^[0-9a-f]{64}(\s*,\s*[0-9a-f]{64})*$/,
      'must be comma-separated SHA-256 hex digests of the accepted API keys',
    )
    .optional(),
  POLL_INITIAL_DELAY_SECONDS: int(1, 600).optional(),
  POLL_INTERVAL_SECONDS: int(1, 600).optional(),
  POLL_MAX_INTERVAL_SECONDS: int(1, 3600).optional(),
  OUTPUT_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
      'must be path segments of letters, digits, _ and - separated by /',
    )
    .default('videos'),
  MAX_WAIT_SECONDS: int(0, 3000).default(50),
  MAX_IMAGE_BYTES: int(1024, 52428800).default(20 * 1024 * 1024),
  MAX_REQUEST_BYTES: int(1024, 104857600).default(32 * 1024 * 1024),
  OPERATION_RETENTION_DAYS: int(1, 3650).default(30),
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
  K_SERVICE: z.string().optional(),
});

/**
 * Veo wire APIs. Records made before 2026-10-22 may say 'gemini'; since then the Gemini API serves no Veo model
 * (Google shut the Veo 3.1 previews there on 2026-10-22) and @google/genai 3 refuses generateVideos on it, so new
 * operations always use 'vertex'.
 */
export type VeoApi = 'gemini' | 'vertex';

const GEMINI_VEO_RETIRED =
  'the Gemini API serves no Veo model since 2026-10-22 (and @google/genai 3 refuses generateVideos there). ' +
  'Use Veo on Vertex AI: GOOGLE_GENAI_USE_VERTEXAI=true and GOOGLE_CLOUD_PROJECT (or VEO_BACKEND=vertex); ' +
  'without credentials, VEO_BACKEND=simulator runs the built-in simulator.';

export interface Config {
  port: number;
  /** Which Veo wire protocol the SDK speaks, and whether it talks to the simulator instead of Google. */
  veo: {
    backend: 'vertex' | 'simulator';
    api: VeoApi;
    project?: string;
    location: string;
    /** Endpoint override; for the simulator backend, undefined means "start an embedded simulator". */
    baseUrl?: string;
    /** Send Google credentials (API key / ADC) — false when talking to a simulator. */
    useGoogleCredentials: boolean;
    defaultModel: string;
    timeoutMs: number;
    operationDeadlineSeconds: number;
  };
  simulator: { delaySeconds: number };
  store: {
    kind: 'memory' | 'firestore';
    database: string;
    collection: string;
    idempotencyCollection: string;
  };
  blobs: {
    kind: 'local' | 'gcs';
    dir: string;
    signingKey?: string;
    signedUrlTtlSeconds: number;
    bucket?: string;
  };
  queue: {
    kind: 'inprocess' | 'pubsub';
    pollTopic: string;
    /**
     * Full topic name Vertex publishes its completion notice to (pubsubTopic), when set. Its own topic and push
     * subscription to the poller, so a notice never queues behind poll messages the poller is holding.
     */
    completionTopic?: string;
    /** How long the poller holds a message that arrived before its time, instead of a delayed delivery. */
    handlerMaxWaitSeconds: number;
    /** How overdue a poll must be before the sweep assumes its message was lost. */
    sweepGraceSeconds: number;
  };
  publicBaseUrl: string;
  allowedOrigins: string[];
  /** iam: Cloud Run checks Google ID tokens (IAM invoker); api_key: callers present a key whose hash is listed. */
  auth: { mode: 'iam' | 'api_key'; apiKeyHashes: string[] };
  poll: { initialDelaySeconds: number; intervalSeconds: number; maxIntervalSeconds: number };
  /** Event-driven pipelines: the requests topic in, completion events (and signed webhooks) out. */
  pipelines: {
    requestsTopic: string;
    completionsTopic: string;
    defaultPrincipal: string;
    /** Principal per requests topic or subscription id. */
    principals: Record<string, string>;
    maxMessageBytes: number;
    webhookSecret?: string;
  };
  /** Object-name prefix for outputs: {prefix}/{operationId}/. */
  outputPrefix: string;
  maxWaitSeconds: number;
  maxImageBytes: number;
  maxRequestBytes: number;
  retentionDays: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** True on Cloud Run functions (K_SERVICE is set by the platform). */
  onCloud: boolean;
}

/** Every variable the config reads, for documentation checks and .env.example. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in EnvSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = /KEY|SECRET/.test(name) ? '<redacted>' : JSON.stringify(cleaned[name]);
      return `${name}=${value}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const apiKey = e.GEMINI_API_KEY ?? e.GOOGLE_API_KEY;
  const vertexCredentials = e.GOOGLE_GENAI_USE_VERTEXAI && e.GOOGLE_CLOUD_PROJECT;
  if (e.VEO_BACKEND === 'gemini') {
    throw new ConfigError(`Invalid configuration:\n  VEO_BACKEND="gemini": ${GEMINI_VEO_RETIRED}`);
  }
  if (!e.VEO_BACKEND && !vertexCredentials && apiKey) {
    // An API key alone used to mean "Veo on the Gemini API": say so rather than quietly running the simulator.
    const name = e.GEMINI_API_KEY ? 'GEMINI_API_KEY' : 'GOOGLE_API_KEY';
    throw new ConfigError(`Invalid configuration:\n  ${name} is set, but ${GEMINI_VEO_RETIRED}`);
  }
  const backend = e.VEO_BACKEND ?? (vertexCredentials ? 'vertex' : 'simulator');
  const api: VeoApi = 'vertex';

  if (backend === 'vertex' && !e.GOOGLE_CLOUD_PROJECT) {
    throw new ConfigError(
      'Invalid configuration:\n  GOOGLE_CLOUD_PROJECT: required when VEO_BACKEND=vertex (the project that calls Vertex AI)',
    );
  }
  const needs = (name: string, when: string) => {
    throw new ConfigError(`Invalid configuration:\n  ${name}: required when ${when}`);
  };
  if (e.BLOBS === 'gcs' && !e.OUTPUT_BUCKET)
    needs('OUTPUT_BUCKET', 'BLOBS=gcs (the bucket Veo writes videos to)');
  if ((e.STORE === 'firestore' || e.QUEUE === 'pubsub') && !e.GOOGLE_CLOUD_PROJECT) {
    needs('GOOGLE_CLOUD_PROJECT', 'STORE=firestore or QUEUE=pubsub');
  }
  if (e.AUTH_MODE === 'api_key' && !e.API_KEY_HASHES) {
    needs(
      'API_KEY_HASHES',
      'AUTH_MODE=api_key (sha256 hex of each accepted key: printf %s "$KEY" | sha256sum)',
    );
  }
  const pollInterval = e.POLL_INTERVAL_SECONDS ?? (backend === 'simulator' ? 2 : 10);
  // Google credentials go to Google's endpoints only, unless VEO_AUTH=google says a custom endpoint needs them.
  const useGoogleCredentials =
    backend !== 'simulator' && (e.VEO_AUTH ? e.VEO_AUTH === 'google' : !e.VEO_BASE_URL);

  return {
    port: e.PORT,
    veo: {
      backend,
      api,
      project: e.GOOGLE_CLOUD_PROJECT ?? (backend === 'simulator' ? 'simulator-project' : undefined),
      location: e.GOOGLE_CLOUD_LOCATION,
      baseUrl: e.VEO_BASE_URL,
      useGoogleCredentials,
      defaultModel: e.VEO_DEFAULT_MODEL,
      timeoutMs: e.VEO_TIMEOUT_SECONDS * 1000,
      operationDeadlineSeconds: e.VEO_OPERATION_DEADLINE_SECONDS,
    },
    simulator: { delaySeconds: e.SIMULATOR_DELAY_SECONDS },
    store: {
      kind: e.STORE,
      database: e.FIRESTORE_DATABASE,
      collection: e.FIRESTORE_COLLECTION,
      idempotencyCollection: e.FIRESTORE_IDEMPOTENCY_COLLECTION,
    },
    blobs: {
      kind: e.BLOBS,
      bucket: e.OUTPUT_BUCKET,
      dir: e.LOCAL_BLOB_DIR,
      signingKey: e.LOCAL_BLOB_SIGNING_KEY,
      signedUrlTtlSeconds: e.SIGNED_URL_TTL_SECONDS,
    },
    queue: {
      kind: e.QUEUE,
      pollTopic: e.POLL_TOPIC,
      completionTopic:
        e.VEO_COMPLETION_TOPIC ??
        (e.QUEUE === 'pubsub' && api === 'vertex' && e.GOOGLE_CLOUD_PROJECT
          ? `projects/${e.GOOGLE_CLOUD_PROJECT}/topics/${e.POLL_TOPIC}-notices`
          : undefined),
      handlerMaxWaitSeconds: e.POLL_HANDLER_MAX_WAIT_SECONDS,
      sweepGraceSeconds: e.SWEEP_GRACE_SECONDS,
    },
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`,
    auth: {
      mode: e.AUTH_MODE,
      apiKeyHashes: (e.API_KEY_HASHES ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    },
    allowedOrigins: (e.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    // The simulator finishes in seconds, so it is polled often; Google's Veo takes tens of seconds to minutes.
    poll: {
      initialDelaySeconds: e.POLL_INITIAL_DELAY_SECONDS ?? (backend === 'simulator' ? 2 : 20),
      intervalSeconds: pollInterval,
      maxIntervalSeconds: Math.max(
        e.POLL_MAX_INTERVAL_SECONDS ?? (backend === 'simulator' ? 10 : 30),
        pollInterval,
      ),
    },
    outputPrefix: e.OUTPUT_PREFIX,
    pipelines: {
      requestsTopic: e.REQUESTS_TOPIC,
      completionsTopic: e.COMPLETIONS_TOPIC,
      defaultPrincipal: e.PIPELINE_PRINCIPAL,
      principals: Object.fromEntries(
        (e.PIPELINE_PRINCIPALS ?? '')
          .split(',')
          .filter(Boolean)
          .map((pair) => pair.split('=').map((part) => part.trim()) as [string, string]),
      ),
      maxMessageBytes: e.MAX_REQUEST_MESSAGE_BYTES,
      webhookSecret: e.WEBHOOK_SIGNING_SECRET,
    },
    maxWaitSeconds: e.MAX_WAIT_SECONDS,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    retentionDays: e.OPERATION_RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    onCloud: Boolean(e.K_SERVICE),
  };
}
