// The environment as an operator writes it: one zod schema per variable, with its default and what is allowed.
// Checks here look at one variable at a time; rules that relate variables live in the loader (loader.ts).
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: () => `must be an integer between ${min} and ${max}` })
    .int(`must be an integer between ${min} and ${max}`)
    .min(min, `must be an integer between ${min} and ${max}`)
    .max(max, `must be an integer between ${min} and ${max}`);

/**
 * A duration in seconds; fractions are allowed (0.05 is 50 ms, which lets tests run fast). `above: 0` means the
 * lower bound is excluded, for settings where zero makes no sense.
 */
const seconds = (range: { atLeast: number } | { above: number }, max: number) => {
  const message =
    'atLeast' in range
      ? `must be a number of seconds from ${range.atLeast} to ${max} (fractions allowed, e.g. 0.05)`
      : `must be a number of seconds greater than ${range.above} and at most ${max} (fractions allowed, e.g. 0.05)`;
  const base = z.coerce.number({ error: () => message }).max(max, message);
  return 'atLeast' in range ? base.min(range.atLeast, message) : base.gt(range.above, message);
};

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: () => `must be one of: ${values.join(', ')}` });

/** Peer servers whose tool names COMPAT_TOOLS can add (functions/src/mcp/tools/compat-*.ts). */
export const COMPAT_TOOL_FAMILIES = ['genmedia', 'media-gen'] as const;
export type CompatToolFamily = (typeof COMPAT_TOOL_FAMILIES)[number];

/** A comma-separated list of COMPAT_TOOL_FAMILIES; an unknown name is refused naming the allowed ones. */
const compatTools = z.string().superRefine((text, ctx) => {
  for (const name of text.split(',').map((item) => item.trim())) {
    if (!(COMPAT_TOOL_FAMILIES as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `names ${JSON.stringify(name)}: allowed ${COMPAT_TOOL_FAMILIES.join(', ')} (comma-separated)`,
      });
    }
  }
});

const httpUrl = z
  .string()
  .url('must be an absolute http(s) URL')
  .refine((v) => /^https?:\/\//.test(v), 'must be an absolute http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

const topicId = z.string().regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub topic id');

const topicName = z
  .string()
  .regex(
    /^projects\/[^/\s]+\/topics\/[A-Za-z][\w.~+%-]{2,254}$/,
    'must be a full Pub/Sub topic name: projects/PROJECT/topics/TOPIC',
  );

const collectionId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a collection id');

/** Values shipped as examples or placeholders; a secret containing one was copied, not generated. */
const PLACEHOLDER_SECRETS = [
  'changeme',
  'change-me',
  'change_me',
  'replace-me',
  'replaceme',
  'placeholder',
  'your-secret',
  'yoursecret',
  'example',
  'dummy',
  'do-not-use',
  'insecure',
  'xxxxxxxx',
];

/**
 * An HMAC key or similar secret: 32+ characters that were generated, not typed. Refused: fewer than 8 distinct
 * characters, one short pattern repeated, or a known placeholder. (Counting distinct characters is a crude entropy
 * floor, but it catches what people actually paste: "aaaa...", "abcabc...", "change-me-...".)
 */
const secret = z
  .string()
  .min(32, 'must be at least 32 characters')
  .refine((v) => v.length < 32 || new Set(v).size >= 8, {
    message: 'is too predictable (fewer than 8 distinct characters); generate one: openssl rand -base64 32',
    abort: true,
  })
  .refine((v) => v.length < 32 || !/^(.{1,16})\1+$/s.test(v), {
    message: 'is one short pattern repeated; generate one: openssl rand -base64 32',
    abort: true,
  })
  .refine((v) => v.length < 32 || !PLACEHOLDER_SECRETS.some((p) => v.toLowerCase().includes(p)), {
    message: 'looks like a placeholder from an example; generate one: openssl rand -base64 32',
  });

/** Google API keys (Gemini API): AIza followed by 35 URL-safe characters. */
const googleApiKey = z
  .string()
  .regex(/^AIza[0-9A-Za-z_-]{35}$/, 'must be a Google API key: AIza followed by 35 letters, digits, _ or -');

/** A host name or IP address to listen on. */
const listenHost = z
  .string()
  .regex(/^([A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/, 'must be a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0');

/** host:port of a gRPC emulator (Firestore, Pub/Sub), as the gcloud emulators print it. */
const emulatorHost = z
  .string()
  .regex(
    /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/,
    'must be host:port of the emulator, e.g. 127.0.0.1:8681',
  );

/** The GCS emulator's base URL; a bare host:port means plain http, as emulators serve. */
const storageEmulatorHost = z
  .string()
  .regex(
    /^(https?:\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\/?$/,
    'must be the emulator URL, e.g. http://127.0.0.1:9199 (or host:port)',
  )
  .transform((v) => (/^https?:\/\//.test(v) ? v : `http://${v}`).replace(/\/+$/, ''));

/** Raw environment schema: names and allowed values exactly as an operator writes them. */
export const EnvSchema = z.object({
  PORT: int(1, 65535).default(8080),
  VEO_BACKEND: oneOf(['vertex', 'gemini', 'simulator']).optional(),
  GEMINI_API_KEY: googleApiKey.optional(),
  GOOGLE_API_KEY: googleApiKey.optional(),
  GOOGLE_GENAI_USE_VERTEXAI: bool.optional(),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  GOOGLE_CLOUD_LOCATION: z.string().min(1).default('us-central1'),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  VEO_BASE_URL: httpUrl.optional(),
  VEO_AUTH: oneOf(['google', 'none']).optional(),
  /** Unset: the API's default (video/catalog.ts DEFAULT_MODELS): Veo 3.1 Fast on Vertex AI, Omni Flash on the Gemini API. */
  VEO_DEFAULT_MODEL: z.string().min(1).optional(),
  /** The Vertex AI region Omni's interactions go to (Omni is served from global; Veo keeps GOOGLE_CLOUD_LOCATION). */
  OMNI_LOCATION: z.string().min(1).default('global'),
  VEO_TIMEOUT_SECONDS: int(1, 300).default(30),
  VEO_OPERATION_DEADLINE_SECONDS: seconds({ above: 0 }, 86400).default(1800),
  SIMULATOR_DELAY_SECONDS: seconds({ atLeast: 0 }, 3600).default(4),
  /** Which wire API the embedded simulator plays (VEO_BACKEND=simulator): Vertex AI (Veo and Omni) or the Gemini API (Omni). */
  SIMULATOR_API: oneOf(['vertex', 'gemini']).default('vertex'),
  /** Unset: no quota. 0 is refused rather than read as "unlimited" or as Google's "no quota at all". */
  SIMULATOR_SUBMITS_PER_MINUTE: int(1, 10_000).optional(),
  STORE: oneOf(['memory', 'firestore']).default('memory'),
  FIRESTORE_DATABASE: z.string().min(1).default('(default)'),
  FIRESTORE_COLLECTION: collectionId.default('operations'),
  FIRESTORE_IDEMPOTENCY_COLLECTION: collectionId.default('idempotency_keys'),
  FIRESTORE_EMULATOR_HOST: emulatorHost.optional(),
  BLOBS: oneOf(['local', 'gcs']).default('local'),
  OUTPUT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'must be a bucket name (no gs:// prefix)')
    .optional(),
  STORAGE_EMULATOR_HOST: storageEmulatorHost.optional(),
  QUEUE: oneOf(['inprocess', 'pubsub']).default('inprocess'),
  POLL_TOPIC: topicId.default('veo-poll'),
  VEO_NOTICE_TOPIC: topicName.optional(),
  /** Deprecated name of VEO_NOTICE_TOPIC, still accepted. */
  VEO_COMPLETION_TOPIC: topicName.optional(),
  PUBSUB_EMULATOR_HOST: emulatorHost.optional(),
  POLL_HANDLER_MAX_WAIT_SECONDS: seconds({ atLeast: 0 }, 300).default(30),
  REQUESTS_TOPIC: topicId.default('veo-requests'),
  COMPLETIONS_TOPIC: topicId.default('veo-completions'),
  PIPELINE_PRINCIPAL: z.string().min(1).max(200).default('pipeline'),
  PIPELINE_PRINCIPALS: z
    .string()
    .regex(
      /^[\w.~+%-]+=[^,=]+(,[\w.~+%-]+=[^,=]+)*$/,
      'must be SUBSCRIPTION=PRINCIPAL pairs separated by commas',
    )
    .optional(),
  MAX_REQUEST_MESSAGE_BYTES: int(1024, 10_000_000).default(8 * 1024 * 1024),
  WEBHOOK_SIGNING_SECRET: secret.optional(),
  SWEEP_GRACE_SECONDS: seconds({ atLeast: 0 }, 3600).default(60),
  LOCAL_BLOB_DIR: z.string().min(1).default('.blobs'),
  LOCAL_BLOB_SIGNING_KEY: secret.optional(),
  SIGNED_URL_TTL_SECONDS: int(60, 604800).default(3600),
  PUBLIC_BASE_URL: httpUrl.optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  /** Unset: `iam` on the platform (K_SERVICE set), the one local principal off it. */
  AUTH_MODE: oneOf(['iam', 'api_key', 'iap']).optional(),
  API_KEY_HASHES: z
    .string()
    .regex(
      /^[0-9a-f]{64}(\s*,\s*[0-9a-f]{64})*$/,
      'must be comma-separated SHA-256 hex digests of the accepted API keys',
    )
    .optional(),
  /** Audiences accepted on signed ID tokens besides the service's own URL (custom audiences, a custom domain). */
  AUTH_AUDIENCES: z
    .string()
    .regex(/^[^,\s]+(\s*,\s*[^,\s]+)*$/, 'must be comma-separated audiences (URLs or OAuth client ids)')
    .optional(),
  /** Where Google's ID-token signing keys are fetched (PEM certificates by key id); tests serve their own. */
  AUTH_CERTS_URL: httpUrl.default('https://www.googleapis.com/oauth2/v1/certs'),
  /**
   * AUTH_MODE=iap: the audience IAP signs its assertions for, exactly (auth/iap.ts); the project *number*, not its id.
   */
  IAP_AUDIENCE: z
    .string()
    .regex(
      /^\/projects\/\d+\/(locations\/[a-z][a-z0-9-]*\/services\/[A-Za-z0-9_-]+|global\/backendServices\/\d+)$/,
      'must be the audience IAP signs for: /projects/PROJECT_NUMBER/locations/REGION/services/SERVICE (IAP on ' +
        'the Cloud Run service) or /projects/PROJECT_NUMBER/global/backendServices/ID (IAP on a load balancer)',
    )
    .optional(),
  /** Where IAP's assertion signing keys are fetched ({ kid: PEM }); tests serve their own. */
  IAP_CERTS_URL: httpUrl.default('https://www.gstatic.com/iap/verify/public_key'),
  FIRESTORE_API_KEYS_COLLECTION: collectionId.default('api_keys'),
  AUTH_CACHE_SECONDS: seconds({ atLeast: 0 }, 300).default(30),
  HOST: listenHost.default('127.0.0.1'),
  POLL_INITIAL_DELAY_SECONDS: seconds({ above: 0 }, 600).optional(),
  POLL_INTERVAL_SECONDS: seconds({ above: 0 }, 600).optional(),
  POLL_MAX_INTERVAL_SECONDS: seconds({ above: 0 }, 3600).optional(),
  OUTPUT_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
      'must be path segments of letters, digits, _ and - separated by /',
    )
    .default('videos'),
  MAX_WAIT_SECONDS: int(0, 3000).default(50),
  /** Extra tools under peer servers' names (genmedia, media-gen); unset: none. */
  COMPAT_TOOLS: compatTools.optional(),
  MAX_IMAGE_BYTES: int(1024, 52428800).default(20 * 1024 * 1024),
  /** Largest input video extend_video reads or fetches (a 30 s 4K MP4 is well under 200 MiB). */
  MAX_VIDEO_BYTES: int(1024, 1024 * 1024 * 1024).default(200 * 1024 * 1024),
  MAX_REQUEST_BYTES: int(1024, 104857600).default(32 * 1024 * 1024),
  /** Unset: an eighth of the instance's memory (at least MAX_REQUEST_BYTES); see the loader. */
  MAX_REQUEST_BYTES_IN_FLIGHT: int(1024, 17_179_869_184).optional(),
  EGRESS_TEST_HOSTS: z
    .string()
    .regex(
      /^\s*[A-Za-z0-9.-]+:\d{1,5}(\s*,\s*[A-Za-z0-9.-]+:\d{1,5})*\s*$/,
      'must be comma-separated host:port pairs (IP addresses in IPv4 form or names)',
    )
    .optional(),
  OPERATION_RETENTION_DAYS: int(1, 3650).default(30),
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
  // Spend limits (operations/budget.ts); the README's "Spend limits" section says why these defaults.
  DAILY_VIDEO_SECONDS_PER_PRINCIPAL: int(1, 10_000_000).default(480),
  DAILY_VIDEO_SECONDS_TOTAL: int(1, 100_000_000).default(2400),
  PRINCIPAL_DAILY_VIDEO_SECONDS: z
    .string()
    .regex(
      /^[^,=\s][^,=]*=\d+(,[^,=\s][^,=]*=\d+)*$/,
      'must be PRINCIPAL=SECONDS pairs separated by commas, e.g. pipeline=7200,key:alice=1200',
    )
    .optional(),
  REQUESTS_PER_MINUTE_PER_PRINCIPAL: int(1, 100_000).default(60),
  MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: int(1, 10_000).default(10),
  FIRESTORE_USAGE_COLLECTION: collectionId.default('usage_counters'),
  // Bursts and outages (operations/gate.ts); the README's "Queueing, quotas and outages" says why these defaults.
  // At most 1000: the gate document keeps the last minute's grants (Firestore documents hold at most 1 MiB).
  VEO_SUBMITS_PER_MINUTE: int(1, 1000).optional(),
  VEO_SUBMITS_PER_MINUTE_BY_MODEL: z
    .string()
    .regex(
      /^\s*[\w.-]+\s*=\s*\d+(\s*,\s*[\w.-]+\s*=\s*\d+)*\s*$/,
      'must be MODEL=SUBMITS pairs separated by commas, e.g. veo-3.1-generate-001=50,veo-3.1-fast-generate-001=50',
    )
    .optional(),
  MAX_QUEUED_OPERATIONS_PER_PRINCIPAL: int(1, 2000).default(100),
  BREAKER_FAILURES: int(1, 1000).default(5),
  BREAKER_WINDOW_SECONDS: seconds({ above: 0 }, 3600).default(60),
  BREAKER_OPEN_SECONDS: seconds({ above: 0 }, 3600).default(30),
  K_SERVICE: z.string().optional(),
});

/** The environment after parsing: defaults applied, numbers and booleans typed. */
export type Env = z.infer<typeof EnvSchema>;
export type EnvName = keyof Env;

/** Every variable the config reads, for documentation checks and .env.example. */
export const CONFIG_VARIABLES: string[] = Object.keys(EnvSchema.shape);

/** Values of these variables are never echoed (in errors or logs). */
export const isSecretVariable = (name: string): boolean => /KEY|SECRET/.test(name);
