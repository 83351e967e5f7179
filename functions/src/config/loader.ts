// From an environment (process.env, or any object of strings) to the typed Config, checked as a whole: every bad
// variable and every broken rule between variables is reported at once, one line each, before anything starts.
import { totalmem } from 'node:os';
import { CONFIG_VARIABLES, EnvSchema, isSecretVariable, type Env } from './schema.js';
import type { CompatToolFamily } from './schema.js';
import type { SpendLimits } from '../operations/budget.js';
import type { AdmissionSettings } from '../operations/gate.js';
import type { Backend, WireApi } from '../operations/record.js';
import { DEFAULT_MODELS, findModel, findRetired, liveModelIds, retiredMessage } from '../video/catalog.js';

/** One bad setting: the variable, its value as given (undefined when unset) and what is wrong or allowed. */
export interface ConfigProblem {
  name: string;
  value: string | undefined;
  reason: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`Invalid configuration:\n  ${problems.map(formatProblem).join('\n  ')}`);
    this.problems = problems;
  }
}

/** `NAME=value: reason`, or `NAME: reason` for an unset variable; secret values are redacted. */
function formatProblem({ name, value, reason }: ConfigProblem): string {
  if (value === undefined) return `${name}: ${reason}`;
  return `${name}=${isSecretVariable(name) ? '<redacted>' : JSON.stringify(value)}: ${reason}`;
}

// Wire APIs (operations/record.ts WireApi): Vertex AI serves Veo 3.1 and Gemini Omni; the Gemini API (an API key)
// serves Omni only — Google shut its last Veo models there on 2026-10-22 and @google/genai 3 refuses generateVideos
// on it — so a gemini backend offers the Omni models of the catalog.

export interface Config {
  port: number;
  /** Which Veo wire protocol the SDK speaks, and whether it talks to the simulator instead of Google. */
  veo: {
    backend: Backend;
    api: WireApi;
    project?: string;
    /** Veo's Vertex AI region (GOOGLE_CLOUD_LOCATION). */
    location: string;
    /** Omni's Vertex AI region (OMNI_LOCATION, default global). */
    omniLocation: string;
    /** The Gemini API key (backend gemini only). A secret: never logged or returned. */
    apiKey?: string;
    /** Endpoint override; for the simulator backend, undefined means "start an embedded simulator". */
    baseUrl?: string;
    /** Send Google credentials (API key / ADC) — false when talking to a simulator. */
    useGoogleCredentials: boolean;
    defaultModel: string;
    timeoutMs: number;
    operationDeadlineSeconds: number;
  };
  /** What the Google Cloud clients (Firestore, Pub/Sub, Storage) are built with, besides their emulator hosts. */
  google: {
    /** GOOGLE_CLOUD_PROJECT as given (no simulator stand-in). */
    project?: string;
    /** GOOGLE_APPLICATION_CREDENTIALS: a service-account key file, passed to the clients as keyFilename. */
    credentialsFile?: string;
  };
  simulator: {
    delaySeconds: number;
    /** Accepted submits per model per minute before the embedded simulator answers 429 (undefined: no quota). */
    submitsPerMinute?: number;
  };
  store: {
    kind: 'memory' | 'firestore';
    database: string;
    collection: string;
    idempotencyCollection: string;
    /** Usage counters of the spend limits (FIRESTORE_USAGE_COLLECTION). */
    usageCollection: string;
    /** API-key records (AUTH_MODE=api_key with STORE=firestore): api_keys/{sha256 hex of the key}. */
    apiKeysCollection: string;
    /** FIRESTORE_EMULATOR_HOST (host:port): the Firestore client talks plain gRPC to it. */
    emulatorHost?: string;
  };
  blobs: {
    kind: 'local' | 'gcs';
    dir: string;
    signingKey?: string;
    signedUrlTtlSeconds: number;
    bucket?: string;
    /** STORAGE_EMULATOR_HOST as a URL (http://host:port): objects and signed URLs use it. */
    emulatorHost?: string;
  };
  queue: {
    kind: 'inprocess' | 'pubsub';
    pollTopic: string;
    /**
     * Full topic name Vertex publishes its operation-done notice to (pubsubTopic), when set. Its own topic and push
     * subscription to the poller, so a notice never queues behind poll messages the poller is holding. Not our
     * completion events: those go to pipelines.completionsTopic.
     */
    veoNoticeTopic?: string;
    /** @deprecated The same value as veoNoticeTopic, under its old name. */
    completionTopic?: string;
    /** PUBSUB_EMULATOR_HOST (host:port): the Pub/Sub client talks plain gRPC to it. */
    emulatorHost?: string;
    /** How long the poller holds a message that arrived before its time, instead of a delayed delivery. */
    handlerMaxWaitSeconds: number;
    /** How overdue a poll must be before the sweep assumes its message was lost. */
    sweepGraceSeconds: number;
  };
  publicBaseUrl: string;
  allowedOrigins: string[];
  /**
   * Who callers are (auth/): `iam`, Google ID tokens (verified by Cloud Run, and by us when still signed); `api_key`,
   * keys whose SHA-256 is listed in API_KEY_HASHES or stored (veo-mcp keys create); `local`, off the platform with
   * no AUTH_MODE: every loopback caller is the one local principal; `iap`, the user Identity-Aware Proxy verified (its
   * signed assertion, checked against IAP_AUDIENCE).
   */
  auth: {
    mode: 'local' | 'iam' | 'api_key' | 'iap';
    apiKeyHashes: string[];
    /** Accepted audiences of signed ID tokens: PUBLIC_BASE_URL when set, then AUTH_AUDIENCES. */
    audiences: string[];
    /** PUBLIC_BASE_URL when given: the URL this service is reached at (else, on the platform, the request's Host). */
    serviceUrl?: string;
    certsUrl: string;
    /** IAP_AUDIENCE: set exactly when the mode is iap. */
    iapAudience?: string;
    iapCertsUrl: string;
    /** How long a key lookup is reused by this instance: a revoked key is refused at most this long after. */
    cacheSeconds: number;
  };
  /** Interface `npm start` listens on. */
  host: string;
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
  /** COMPAT_TOOLS: peer servers whose tool and parameter names are also offered (mcp/tools/compat-*.ts). */
  compatTools: CompatToolFamily[];
  maxImageBytes: number;
  maxVideoBytes: number;
  maxRequestBytes: number;
  /** Request-body bytes an instance holds at once across its requests (MAX_REQUEST_BYTES_IN_FLIGHT). */
  maxRequestBytesInFlight: number;
  /** `host:port` pairs outbound requests may reach over http and at private addresses (local receivers only). */
  egressTestHosts: string[];
  retentionDays: number;
  /** Spend limits per principal and for the deployment (DAILY_VIDEO_SECONDS_*, REQUESTS_PER_MINUTE_*, MAX_RUNNING_*). */
  limits: SpendLimits;
  /** Pacing to Veo's quota, the line and the breaker (VEO_SUBMITS_PER_MINUTE*, MAX_QUEUED_*, BREAKER_*). */
  admission: AdmissionSettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** True on Cloud Run functions (K_SERVICE is set by the platform). */
  onCloud: boolean;
}

type Shape = typeof EnvSchema.shape;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
/** Loopback as URL.hostname spells it (IPv6 in brackets). */
const KEY_SERVER_TEST_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or http to this machine; parsed, so user info (`http://localhost:x@host/`) cannot pass for the host. */
function isKeyServerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && KEY_SERVER_TEST_HOSTS.has(url.hostname));
}

/**
 * Security settings that contradict each other or leave the server open (issue 12, startup validation): each stops
 * the instance naming the setting. Weak secrets and malformed keys are refused by their own schema (schema.ts).
 */
function securityProblems(e: Env, onCloud: boolean, problem: (name: string, reason: string) => void): void {
  if (e.API_KEY_HASHES && e.AUTH_MODE !== 'api_key') {
    problem(
      'API_KEY_HASHES',
      `is set but AUTH_MODE is ${e.AUTH_MODE ?? 'unset'}: the keys would be ignored. Set AUTH_MODE=api_key, or remove it`,
    );
  }
  if (e.AUTH_AUDIENCES && (e.AUTH_MODE === 'api_key' || e.AUTH_MODE === 'iap')) {
    problem('AUTH_AUDIENCES', `applies to ID tokens (AUTH_MODE=iam) only, but AUTH_MODE is ${e.AUTH_MODE}`);
  }
  if (e.IAP_AUDIENCE && e.AUTH_MODE !== 'iap') {
    problem(
      'IAP_AUDIENCE',
      `applies to AUTH_MODE=iap only, but AUTH_MODE is ${e.AUTH_MODE ?? 'unset'}: no IAP assertion would be checked`,
    );
  }
  if (!onCloud && e.AUTH_MODE === 'iam' && !e.PUBLIC_BASE_URL && !e.AUTH_AUDIENCES) {
    problem(
      'AUTH_AUDIENCES',
      'required when AUTH_MODE=iam off the platform (or set PUBLIC_BASE_URL): the audience ID tokens must name, ' +
        "as the service's URL is not known here",
    );
  }
  // Plain http only to this machine (a test issuer): elsewhere the keys that verify ID tokens and assertions need TLS.
  for (const name of ['AUTH_CERTS_URL', 'IAP_CERTS_URL'] as const) {
    const url = e[name];
    if (url && !isKeyServerUrl(url)) {
      problem(
        name,
        'must be an https URL without user info (plain http only to 127.0.0.1, localhost or [::1], for tests)',
      );
    }
  }
  if (!onCloud && !e.AUTH_MODE && e.HOST && !LOOPBACK_HOSTS.has(e.HOST)) {
    problem(
      'HOST',
      `listens beyond this machine, which needs AUTH_MODE=iam, AUTH_MODE=iap or AUTH_MODE=api_key: without one every caller ` +
        'would be the unauthenticated local principal',
    );
  }
}

/** Reads and checks the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const given: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') given[name] = value;
  }
  const problems: ConfigProblem[] = [];

  // Each variable on its own first, so one bad value does not hide the others.
  const parsed: Record<string, unknown> = {};
  for (const name of CONFIG_VARIABLES) {
    const result = EnvSchema.shape[name as keyof Shape].safeParse(given[name]);
    if (result.success) parsed[name] = result.data;
    else {
      for (const issue of result.error.issues) {
        problems.push({ name, value: given[name], reason: issue.message });
      }
    }
  }
  const e = parsed as Env;
  const bad = new Set(problems.map((p) => p.name));

  // Rules between variables; a rule is skipped when a variable it reads was itself bad (already reported).
  const problem = (name: string, reason: string) => problems.push({ name, value: given[name], reason });
  const required = new Map<string, string[]>();
  const requireWhen = (name: keyof Env, when: string) => {
    if (e[name] === undefined && !bad.has(name)) required.set(name, [...(required.get(name) ?? []), when]);
  };

  const apiKeyName = e.GEMINI_API_KEY ? 'GEMINI_API_KEY' : e.GOOGLE_API_KEY ? 'GOOGLE_API_KEY' : undefined;
  const vertexCredentials = Boolean(e.GOOGLE_GENAI_USE_VERTEXAI && e.GOOGLE_CLOUD_PROJECT);
  // Vertex credentials select Vertex AI, else an API key the Gemini API (Omni only), else the simulator.
  const backend: Backend =
    e.VEO_BACKEND ?? (vertexCredentials ? 'vertex' : apiKeyName ? 'gemini' : 'simulator');
  const api: WireApi = backend === 'simulator' ? e.SIMULATOR_API : backend;
  if (backend === 'gemini' && !apiKeyName && !bad.has('GEMINI_API_KEY') && !bad.has('GOOGLE_API_KEY')) {
    problem(
      'GEMINI_API_KEY',
      'required when VEO_BACKEND=gemini (the Gemini API key; GOOGLE_API_KEY is also read). The Gemini API serves ' +
        'Gemini Omni only; Veo needs VEO_BACKEND=vertex',
    );
  }
  const defaultModel = e.VEO_DEFAULT_MODEL ?? DEFAULT_MODELS[api];

  if (backend === 'vertex')
    requireWhen('GOOGLE_CLOUD_PROJECT', 'VEO_BACKEND=vertex (the project that calls Vertex AI)');
  if (e.STORE === 'firestore') requireWhen('GOOGLE_CLOUD_PROJECT', 'STORE=firestore');
  if (e.QUEUE === 'pubsub') requireWhen('GOOGLE_CLOUD_PROJECT', 'QUEUE=pubsub');
  if (e.BLOBS === 'gcs') requireWhen('OUTPUT_BUCKET', 'BLOBS=gcs (the bucket Veo writes videos to)');
  if (e.AUTH_MODE === 'api_key' && e.STORE !== 'firestore') {
    requireWhen(
      'API_KEY_HASHES',
      'AUTH_MODE=api_key with STORE=memory (sha256 hex of each accepted key: printf %s "$KEY" | sha256sum; ' +
        'with STORE=firestore, keys can instead be made with veo-mcp keys create)',
    );
  }
  if (e.AUTH_MODE === 'iap') {
    requireWhen(
      'IAP_AUDIENCE',
      'AUTH_MODE=iap (the audience of the assertions IAP signs for this service: ' +
        '/projects/PROJECT_NUMBER/locations/REGION/services/SERVICE)',
    );
  }
  securityProblems(e, Boolean(e.K_SERVICE), problem);
  for (const [name, whens] of required) problem(name, `required when ${whens.join(', and when ')}`);

  if (e.VEO_NOTICE_TOPIC && e.VEO_COMPLETION_TOPIC && e.VEO_NOTICE_TOPIC !== e.VEO_COMPLETION_TOPIC) {
    problem(
      'VEO_COMPLETION_TOPIC',
      `is the deprecated name of VEO_NOTICE_TOPIC, which is set to ${JSON.stringify(e.VEO_NOTICE_TOPIC)}: ` +
        'the two differ; set only VEO_NOTICE_TOPIC',
    );
  }

  if (e.MAX_REQUEST_BYTES_IN_FLIGHT !== undefined && e.MAX_REQUEST_BYTES_IN_FLIGHT < e.MAX_REQUEST_BYTES) {
    problem(
      'MAX_REQUEST_BYTES_IN_FLIGHT',
      `is less than MAX_REQUEST_BYTES (${e.MAX_REQUEST_BYTES}): a body of the largest allowed size could never be read`,
    );
  }

  if (e.EGRESS_TEST_HOSTS && e.K_SERVICE) {
    // On the platform a private destination is the metadata server or the VPC: exactly what egress rules stop.
    problem('EGRESS_TEST_HOSTS', 'is for local receivers and emulators only; it is refused on Cloud Run');
  }

  const dailySecondsByPrincipal = numberPairs(e.PRINCIPAL_DAILY_VIDEO_SECONDS, 10_000_000, (key, issue) =>
    problem(
      'PRINCIPAL_DAILY_VIDEO_SECONDS',
      issue === 'twice'
        ? `names ${JSON.stringify(key)} twice; name each principal once`
        : `gives ${JSON.stringify(key)} ${issue} seconds; each must be an integer between 1 and 10000000`,
    ),
  );
  const submitsPerMinuteByModel = numberPairs(e.VEO_SUBMITS_PER_MINUTE_BY_MODEL, 1000, (key, issue) =>
    problem(
      'VEO_SUBMITS_PER_MINUTE_BY_MODEL',
      issue === 'twice'
        ? `names ${JSON.stringify(key)} twice; name each model once`
        : `gives ${JSON.stringify(key)} ${issue} submits per minute; each must be an integer between 1 and 1000`,
    ),
  );

  // Models come from the catalog (video/catalog.ts): a retired default would fail every call that names no model, and
  // a retired id's pace would quietly stop applying (calls naming it are refused before Veo), so both are refused here
  // with the replacement to use.
  // Models are checked against the API's catalog: skipped when the API itself was not understood.
  const apiKnown = !bad.has('VEO_BACKEND') && !bad.has('SIMULATOR_API');
  if (apiKnown && !bad.has('VEO_DEFAULT_MODEL')) {
    const reason = modelProblem(defaultModel, api);
    if (reason) problem('VEO_DEFAULT_MODEL', reason);
  }
  for (const model of apiKnown ? Object.keys(submitsPerMinuteByModel) : []) {
    const reason = modelProblem(model, api);
    if (reason) problem('VEO_SUBMITS_PER_MINUTE_BY_MODEL', `names ${JSON.stringify(model)}: ${reason}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const pollInterval = e.POLL_INTERVAL_SECONDS ?? (backend === 'simulator' ? 2 : 10);
  // Google credentials go to Google's endpoints only, unless VEO_AUTH=google says a custom endpoint needs them.
  const useGoogleCredentials =
    backend !== 'simulator' && (e.VEO_AUTH ? e.VEO_AUTH === 'google' : !e.VEO_BASE_URL);
  const veoNoticeTopic =
    e.VEO_NOTICE_TOPIC ??
    e.VEO_COMPLETION_TOPIC ??
    (e.QUEUE === 'pubsub' && api === 'vertex' && e.GOOGLE_CLOUD_PROJECT
      ? `projects/${e.GOOGLE_CLOUD_PROJECT}/topics/${e.POLL_TOPIC}-notices`
      : undefined);

  return {
    port: e.PORT,
    veo: {
      backend,
      api,
      project: e.GOOGLE_CLOUD_PROJECT ?? (backend === 'simulator' ? 'simulator-project' : undefined),
      location: e.GOOGLE_CLOUD_LOCATION,
      baseUrl: e.VEO_BASE_URL,
      useGoogleCredentials,
      defaultModel,
      omniLocation: e.OMNI_LOCATION,
      apiKey: backend === 'gemini' ? (e.GEMINI_API_KEY ?? e.GOOGLE_API_KEY) : undefined,
      timeoutMs: e.VEO_TIMEOUT_SECONDS * 1000,
      operationDeadlineSeconds: e.VEO_OPERATION_DEADLINE_SECONDS,
    },
    google: { project: e.GOOGLE_CLOUD_PROJECT, credentialsFile: e.GOOGLE_APPLICATION_CREDENTIALS },
    simulator: { delaySeconds: e.SIMULATOR_DELAY_SECONDS, submitsPerMinute: e.SIMULATOR_SUBMITS_PER_MINUTE },
    store: {
      kind: e.STORE,
      database: e.FIRESTORE_DATABASE,
      collection: e.FIRESTORE_COLLECTION,
      idempotencyCollection: e.FIRESTORE_IDEMPOTENCY_COLLECTION,
      usageCollection: e.FIRESTORE_USAGE_COLLECTION,
      apiKeysCollection: e.FIRESTORE_API_KEYS_COLLECTION,
      emulatorHost: e.FIRESTORE_EMULATOR_HOST,
    },
    blobs: {
      kind: e.BLOBS,
      bucket: e.OUTPUT_BUCKET,
      dir: e.LOCAL_BLOB_DIR,
      signingKey: e.LOCAL_BLOB_SIGNING_KEY,
      signedUrlTtlSeconds: e.SIGNED_URL_TTL_SECONDS,
      emulatorHost: e.STORAGE_EMULATOR_HOST,
    },
    queue: {
      kind: e.QUEUE,
      pollTopic: e.POLL_TOPIC,
      veoNoticeTopic,
      completionTopic: veoNoticeTopic,
      emulatorHost: e.PUBSUB_EMULATOR_HOST,
      handlerMaxWaitSeconds: e.POLL_HANDLER_MAX_WAIT_SECONDS,
      sweepGraceSeconds: e.SWEEP_GRACE_SECONDS,
    },
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`,
    auth: {
      mode: e.AUTH_MODE ?? (e.K_SERVICE ? 'iam' : 'local'),
      apiKeyHashes: list(e.API_KEY_HASHES),
      audiences: [
        ...(e.PUBLIC_BASE_URL ? [new URL(e.PUBLIC_BASE_URL).origin] : []),
        ...list(e.AUTH_AUDIENCES),
      ],
      serviceUrl: e.PUBLIC_BASE_URL && new URL(e.PUBLIC_BASE_URL).origin,
      certsUrl: e.AUTH_CERTS_URL,
      iapAudience: e.IAP_AUDIENCE,
      iapCertsUrl: e.IAP_CERTS_URL,
      cacheSeconds: e.AUTH_CACHE_SECONDS,
    },
    host: e.HOST,
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
    compatTools: [...new Set(list(e.COMPAT_TOOLS))] as CompatToolFamily[],
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxVideoBytes: e.MAX_VIDEO_BYTES,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    maxRequestBytesInFlight: e.MAX_REQUEST_BYTES_IN_FLIGHT ?? defaultBodyBytesInFlight(e.MAX_REQUEST_BYTES),
    egressTestHosts: (e.EGRESS_TEST_HOSTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    retentionDays: e.OPERATION_RETENTION_DAYS,
    limits: {
      dailySecondsPerPrincipal: e.DAILY_VIDEO_SECONDS_PER_PRINCIPAL,
      dailySecondsByPrincipal,
      dailySecondsTotal: e.DAILY_VIDEO_SECONDS_TOTAL,
      requestsPerMinute: e.REQUESTS_PER_MINUTE_PER_PRINCIPAL,
      maxRunning: e.MAX_RUNNING_OPERATIONS_PER_PRINCIPAL,
    },
    admission: {
      // Google's Veo quota on Vertex AI is per project, region and base model: 50 requests per minute for the Veo 3.1
      // GA models (Vertex model page docs.cloud.google.com/.../models/veo/3-1-generate, read 2026-12-02; the retired
      // previews had 10). Projects see theirs under IAM & Admin > Quotas: set VEO_SUBMITS_PER_MINUTE to it.
      // The simulator has no quota unless SIMULATOR_SUBMITS_PER_MINUTE gives it one: then it is paced to that.
      submitsPerMinute:
        e.VEO_SUBMITS_PER_MINUTE ??
        (backend === 'simulator' ? (e.SIMULATOR_SUBMITS_PER_MINUTE ?? SIMULATOR_UNPACED) : 50),
      submitsPerMinuteByModel,
      maxQueuedPerPrincipal: e.MAX_QUEUED_OPERATIONS_PER_PRINCIPAL,
      breakerFailures: e.BREAKER_FAILURES,
      breakerWindowSeconds: e.BREAKER_WINDOW_SECONDS,
      breakerOpenSeconds: e.BREAKER_OPEN_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
    onCloud: Boolean(e.K_SERVICE),
  };
}

/**
 * `KEY=N,KEY=N` (the schema checked the shape) as a map; `report` hears of a key named twice and of a number outside
 * 1..max (with the value as written). The key is everything before the last `=`, trimmed.
 */
function numberPairs(
  text: string | undefined,
  max: number,
  report: (key: string, issue: 'twice' | string) => void,
): Record<string, number> {
  const pairs: Record<string, number> = {};
  for (const pair of (text ?? '').split(',').filter((p) => p.trim())) {
    const at = pair.lastIndexOf('=');
    const [key, written] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    const value = Number(written);
    if (Object.hasOwn(pairs, key)) report(key, 'twice');
    else if (!Number.isSafeInteger(value) || value < 1 || value > max) report(key, written);
    // Defined, not assigned: a key such as __proto__ is an ordinary key here.
    Object.defineProperty(pairs, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return pairs;
}

/** Why `model` cannot be configured (retired, or not in the catalog), or undefined when it is a live id on `api`. */
function modelProblem(model: string, api: WireApi): string | undefined {
  const live = liveModelIds(api);
  if (live.includes(model)) return undefined;
  const retired = findRetired(model, api);
  const allowed = `live models: ${live.join(', ')}`;
  if (retired) return `${retiredMessage(retired, api)} (${allowed})`;
  const elsewhere = findModel(model)?.backends;
  if (elsewhere) return `is served on the ${elsewhere.join(' and ')} API only, not on ${api}; ${allowed}`;
  return `is not a model in the catalog; ${allowed}`;
}

/** The simulator's pace when it models no quota: high enough that nothing waits. */
const SIMULATOR_UNPACED = 1000;

/**
 * The default request-body budget of an instance: an eighth of the memory it may use (Cloud Run's limit, seen by
 * Node as the cgroup's; the machine's memory elsewhere), and never less than one body of the largest size. A body is
 * held about three times over while it is served (bytes, text, parsed JSON; an inline image once more decoded).
 */
function defaultBodyBytesInFlight(maxRequestBytes: number): number {
  // constrainedMemory() is 0 when unknown and 2^64 on a host without a cgroup limit.
  const memory = Math.min(process.constrainedMemory() || Infinity, totalmem());
  return Math.max(maxRequestBytes, Math.floor(memory / 8));
}
