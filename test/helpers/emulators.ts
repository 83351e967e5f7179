// Real emulators for the Google Cloud backends, started on free ports and stopped afterwards:
// the official Firestore and Pub/Sub emulators from the Google Cloud CLI, and GCS through the Firebase Storage
// emulator's HTTP server (firebase-tools, a test tool installed on first use) run in-process.
// `npm test` starts them once for all emulator suites (test/global-setup.ts shares them through run-setup.ts); a file
// run on its own starts its own. Each file names its topics, subscriptions and collections with uniqueNames(), so
// files sharing the emulators (in parallel, or run after run) never meet.
// SKIP_EMULATOR_TESTS=1 skips these tests explicitly.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { freePort, startProcess, type RunningProcess } from './process.js';
import { writeServiceAccountKey } from './service-account.js';
import { shared } from './run-setup.js';
import { ensureTestTool, testToolsCache } from './test-tools.js';

export const PROJECT_ID = 'demo-veo-mcp';

/** Why emulator tests are skipped (SKIP_EMULATOR_TESTS=1), or undefined to run them. */
export const emulatorSkip: string | undefined =
  process.env.SKIP_EMULATOR_TESTS === '1'
    ? 'SKIP_EMULATOR_TESTS=1: emulator tests skipped on request'
    : undefined;

export interface Emulators {
  projectId: string;
  /** Environment for processes and clients: emulator hosts, project, a service-account key that signs URLs. */
  env: Record<string, string>;
  /** Stops emulators this process started; a no-op for shared ones (the global setup stops those). */
  stop(): Promise<void>;
}

/** What the global setup shares with the test files of the run (see run-setup.ts). */
export type SharedEmulators = Pick<Emulators, 'projectId' | 'env'>;

/**
 * The emulators for one test file: the ones `npm test` started for the whole run (awaited until they are up), else,
 * for a file run on its own, a fresh set. Either way this process's Google clients point at them (the client
 * libraries read the *_EMULATOR_HOST variables).
 */
export async function useEmulators(): Promise<Emulators> {
  const forRun = await shared<SharedEmulators>('emulators');
  const emulators = forRun ? { ...forRun, stop: async () => {} } : await startEmulators();
  Object.assign(process.env, emulators.env);
  return emulators;
}

/**
 * Names unique to this process and run, for topics, subscriptions and collections on shared emulators:
 * `names('poll')` is e.g. `pl-poll-3f9a1c2e` for prefix `pl`. Valid as Pub/Sub and Firestore ids.
 */
export function uniqueNames(prefix: string): (name: string) => string {
  const run = randomBytes(4).toString('hex');
  return (name) => `${prefix}-${name}-${run}`;
}

/**
 * Settings that put the functions on the Google Cloud adapters against these emulators (Firestore, GCS, Pub/Sub, and
 * Veo on Vertex at `veoBaseUrl`), with the file's own collections and topics (`name` from uniqueNames).
 */
export function cloudSettings(
  emulators: Emulators,
  options: { bucket: string; name: (name: string) => string; veoBaseUrl: string },
): Record<string, string> {
  const { bucket, name, veoBaseUrl } = options;
  return {
    ...emulators.env,
    STORE: 'firestore',
    QUEUE: 'pubsub',
    BLOBS: 'gcs',
    OUTPUT_BUCKET: bucket,
    FIRESTORE_COLLECTION: name('operations'),
    FIRESTORE_IDEMPOTENCY_COLLECTION: name('idempotency'),
    FIRESTORE_USAGE_COLLECTION: name('usage'),
    // Spend limits no functional suite reaches (the bench starts a hundred at once); budget-race.test.ts sets its own.
    DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '1000000',
    DAILY_VIDEO_SECONDS_TOTAL: '1000000',
    REQUESTS_PER_MINUTE_PER_PRINCIPAL: '100000',
    MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '10000',
    // Veo's pace (operations/gate.ts) likewise: the bench sends a hundred at once; bursts.test.ts sets its own.
    VEO_SUBMITS_PER_MINUTE: '1000',
    POLL_TOPIC: name('poll'),
    COMPLETIONS_TOPIC: name('completions'),
    VEO_BACKEND: 'vertex',
    VEO_BASE_URL: veoBaseUrl,
    LOG_LEVEL: 'error',
  };
}

/** cloudSettings for a fresh deployment, with its poll and completions topics created on the emulator. */
export async function cloudDeployment(
  emulators: Emulators,
  pubsub: PubSub,
  options: Parameters<typeof cloudSettings>[1],
): Promise<Record<string, string>> {
  const settings = cloudSettings(emulators, options);
  await pubsub.createTopic(settings.POLL_TOPIC!);
  await pubsub.createTopic(settings.COMPLETIONS_TOPIC!);
  return settings;
}

const INSTALL_HINT =
  'The Firestore and Pub/Sub emulators come from the Google Cloud CLI: install it (Debian: apt-get install ' +
  'google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator, plus a Java runtime), ' +
  'or set SKIP_EMULATOR_TESTS=1 to skip these tests explicitly.';

/** Where `command` is on PATH: looked up, not run (running `gcloud --version` costs a second). */
function onPath(command: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, command))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * Where the Google Cloud CLI is installed (the folder above the `bin` its `gcloud` is in) and the `java` that runs its
 * emulators, symlinks followed.
 */
function emulatorTools(): { sdk: string; java: string } {
  const [gcloud, java] = ['gcloud', 'java'].map((command) => {
    const file = onPath(command);
    if (file === undefined) {
      throw new Error(`Emulator tests need \`${command}\`, which is not available here. ${INSTALL_HINT}`);
    }
    return realpathSync(file);
  }) as [string, string];
  return { sdk: path.resolve(path.dirname(gcloud), '..'), java };
}

/**
 * JVM settings for the emulators' short lives: the client compiler only and the serial collector halve their CPU
 * (measured on the pipelines suite: 8.9 s → 4.1 s), which the parallel test files need more.
 */
const EMULATOR_JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/**
 * Starts an emulator's jar from the Cloud SDK with the command line `gcloud emulators … start` would run, without
 * gcloud itself: its Python wrapper and two `java -version` probes cost 1.7 s of CPU for the two emulators.
 */
async function startJavaEmulator(
  java: string,
  jar: string,
  args: string[],
  ready: RegExp,
  name: string,
): Promise<RunningProcess> {
  let classes: ClassData | undefined;
  try {
    if (!existsSync(jar)) throw new Error(`${jar} is missing`);
    classes = classData(jar, java);
    const jvm = [...EMULATOR_JVM_OPTIONS, ...classes.flags];
    const running = await startProcess(java, [...jvm, ...args], {}, ready, { detached: true });
    const { keep } = classes;
    if (!keep) return running;
    return {
      ...running,
      async stop() {
        await running.stop();
        // Written as the JVM exits; not if it had to be killed (SIGKILL), when it may be cut short.
        if (running.child.signalCode === null) keep();
        else classes?.discard();
      },
    };
  } catch (err) {
    classes?.discard();
    throw new Error(`The ${name} emulator did not start. ${INSTALL_HINT}\n${(err as Error).message}`, {
      cause: err,
    });
  }
}

interface ClassData {
  flags: string[];
  /** Moves an archive written at exit into place (first runs only). */
  keep?: () => void;
  discard(): void;
}

/**
 * The emulator's class-data archive (AppCDS): the JVM maps the classes it loads at start-up from it instead of reading
 * and verifying them from the jar, which halves an emulator's start (Firestore: 1.8 s → 0.9 s of CPU, 1.4 s → 0.6 s
 * to ready). Kept with the test tools, named by the jar and the java binary (path, size, time), so another emulator
 * or JVM gets its own; the first run on a machine has the JVM write it as the emulator stops. A JVM that cannot use an
 * archive warns and starts without one, and one without these options ignores them.
 */
function classData(jar: string, java: string): ClassData {
  const id = createHash('sha256')
    .update(
      [jar, java]
        .map((file) => {
          const { size, mtimeMs } = statSync(file);
          return `${file}:${size}:${mtimeMs}`;
        })
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(testToolsCache(), 'jvm-class-data');
  const archive = path.join(dir, `${path.basename(jar, '.jar')}-${id}.jsa`);
  const lenient = '-XX:+IgnoreUnrecognizedVMOptions';
  if (existsSync(archive)) return { flags: [lenient, `-XX:SharedArchiveFile=${archive}`], discard() {} };
  mkdirSync(dir, { recursive: true });
  const writing = `${archive}.${process.pid}`;
  return {
    flags: [lenient, `-XX:ArchiveClassesAtExit=${writing}`],
    keep: () => existsSync(writing) && renameSync(writing, archive),
    discard: () => rmSync(writing, { force: true }),
  };
}

/** The Pub/Sub emulator's jar (its name carries the emulator's version). */
function pubsubJarOf(sdk: string): string {
  const lib = path.join(sdk, 'platform/pubsub-emulator/lib');
  const jar = existsSync(lib)
    ? readdirSync(lib).find((file) => /^cloud-pubsub-emulator-.*\.jar$/.test(file))
    : undefined;
  return path.join(lib, jar ?? 'cloud-pubsub-emulator-*.jar');
}

/** The Firebase Storage emulator's GCS JSON API server, without its Java rules runtime. */
async function startStorageEmulator(port: number): Promise<Server> {
  const tool = await ensureTestTool('storage-emulator');
  const require = createRequire(path.join(tool.dir, 'package.json'));
  const { StorageEmulator } = require('firebase-tools/lib/emulator/storage/index.js');
  const { createApp } = require('firebase-tools/lib/emulator/storage/server.js');
  const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry.js');
  const emulator = new StorageEmulator({ projectId: PROJECT_ID, rules: [], host: '127.0.0.1', port });
  EmulatorRegistry.set('storage', emulator);
  const app = await createApp(PROJECT_ID, emulator);
  const server: Server = app.listen(port, '127.0.0.1');
  // Idle keep-alive sockets are closed by the clients (after 5 s), never by the server at the moment a client reuses
  // one: with Node's default of 5 s on both sides, an upload under load could meet a closing socket (EPIPE).
  server.keepAliveTimeout = 60_000;
  await once(server, 'listening');
  return server;
}

/** Starts all three emulators; their `env` points clients and processes at them (this process's env is left alone). */
export async function startEmulators(): Promise<Emulators> {
  const { sdk, java } = emulatorTools();
  const firestoreJar = path.join(sdk, 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar');
  const pubsubJar = pubsubJarOf(sdk);
  const [firestorePort, pubsubPort, storagePort] = [await freePort(), await freePort(), await freePort()];
  const keyDir = mkdtempSync(path.join(tmpdir(), 'veo-sa-'));
  const started = await Promise.allSettled([
    startJavaEmulator(
      java,
      firestoreJar,
      [
        '-Duser.language=en',
        '-cp',
        firestoreJar,
        'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
        'start',
        '--host=127.0.0.1',
        `--port=${firestorePort}`,
        '--database-mode=firestore-native',
      ],
      /Dev App Server is now running/,
      'Firestore',
    ),
    startJavaEmulator(
      java,
      pubsubJar,
      ['-jar', pubsubJar, '--host=127.0.0.1', `--port=${pubsubPort}`],
      /Server started, listening/,
      'Pub/Sub',
    ),
    startStorageEmulator(storagePort),
  ]);
  const value = <T>(result: PromiseSettledResult<T>) =>
    result.status === 'fulfilled' ? result.value : undefined;
  const [firestore, pubsub, storage] = [value(started[0]), value(started[1]), value(started[2])];
  const stopAll = async () => {
    if (storage) {
      storage.closeAllConnections();
      await new Promise<void>((resolve) => storage.close(() => resolve()));
    }
    await Promise.all([firestore?.stop(), pubsub?.stop()]);
    rmSync(keyDir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll(); // Leave no emulator running behind a failed start.
    throw failed.reason;
  }
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT_ID,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${firestorePort}`,
    PUBSUB_EMULATOR_HOST: `127.0.0.1:${pubsubPort}`,
    STORAGE_EMULATOR_HOST: `http://127.0.0.1:${storagePort}`,
    GOOGLE_APPLICATION_CREDENTIALS: writeServiceAccountKey(PROJECT_ID, keyDir),
  };
  return {
    projectId: PROJECT_ID,
    env,
    stop: stopAll,
  };
}
