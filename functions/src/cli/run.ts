// The veo-mcp CLI as a function of its arguments and its surroundings (streams, configuration, clock, pause between
// polls), returning the exit code: veo-mcp.ts wires it to the process, tests call it with fake streams and an event in
// place of the 2 s pause. It talks to the server over MCP with the SDK client, like any other client.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { inspect, parseArgs } from 'node:util';
import {
  Client,
  ProtocolError,
  SdkError,
  SdkHttpError,
  StreamableHTTPClientTransport,
  type CallToolResult,
} from '@modelcontextprotocol/client';
import { ConfigError, type Config } from '../config/index.js';
import { CliError, EXIT, EXIT_CODES_HELP, exitCodeOf, type ExitCode } from './exit-codes.js';
import { KEYS_USAGE } from './keys.js';
import { createProgress, type Output } from './progress.js';

export interface CliIo {
  out: Output;
  err: Output;
  /** The configuration the server reads (config module); called only when needed, it may throw ConfigError. */
  config: () => Config;
  /** Milliseconds, for elapsed times. */
  now: () => number;
  /** Waits between two polls of an operation (a timer; tests resolve it on the operation's events instead). */
  pause: (ms: number, operationId: string) => Promise<void>;
  /** Redraw interval of the terminal spinner (0: redraw only on each poll). */
  spinnerMs?: number;
  /** `veo-mcp keys`: runs against the configured store (veo-mcp.ts loads it only for that command). */
  keys?: (config: Config, args: KeysArgs) => Promise<number>;
}

export interface KeysArgs {
  command?: string;
  target?: string;
  principal?: string;
  expiresInDays?: string;
}

/** What get_video_operation and the starting tools return in structuredContent (the fields the CLI reads). */
interface View {
  operation_id: string;
  status: string;
  done: boolean;
  backend: string;
  videos: Array<{ url: string; uri: string; bytes: number }>;
  error?: { code: string; message: string };
  rai_reasons?: string[];
  queue?: { reason: string; position?: number };
}

export const POLL_MS = 2000;

export const USAGE = `usage:
  veo-mcp submit --prompt TEXT [--duration N] [--aspect-ratio R] [--model M] [--image I] [--request-id ID]
                 [--wait [--download DIR]]
                 [--topic TOPIC --project PROJECT]   (publish to the requests topic instead of calling MCP)
  veo-mcp extend VIDEO --prompt TEXT [--duration N] [--model M] [--request-id ID] [--wait [--download DIR]]
                 (VIDEO: the operation id of one of your videos, or gs:// / https:// MP4; extend_video)
  veo-mcp edit OPERATION_ID --prompt TEXT [--request-id ID] [--wait [--download DIR]]   (Gemini Omni; edit_video)
  veo-mcp watch OPERATION_ID [--download DIR]       follow with live progress until it ends
  veo-mcp get OPERATION_ID [--download DIR]
${KEYS_USAGE}
options:
  --url MCP_URL   the endpoint; default: PUBLIC_BASE_URL/mcp, else http://127.0.0.1:PORT/mcp (the server's
                  settings, PORT 8080 unless set), as the server's startup banner prints it
  --token TOKEN   sent as Authorization: Bearer (an API key or a Google ID token)
  --debug         print the stack of an error after its one-line message
  --help
files: --download saves OPERATION_ID-video-N.mp4, named like the video's link (…/video-N.mp4)
${EXIT_CODES_HELP}`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  prompt: { type: 'string' },
  duration: { type: 'string' },
  'aspect-ratio': { type: 'string' },
  model: { type: 'string' },
  image: { type: 'string' },
  'request-id': { type: 'string' },
  wait: { type: 'boolean' },
  topic: { type: 'string' },
  project: { type: 'string' },
  download: { type: 'string' },
  principal: { type: 'string' },
  'expires-in-days': { type: 'string' },
} as const;
type Option = keyof typeof OPTIONS;
type Values = { [K in Option]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const COMMON: Option[] = ['url', 'token', 'debug', 'help'];
/** Each command: the options it takes besides the common ones, and how many positional arguments (its names). */
const COMMANDS: Record<string, { options: Option[]; args: string[]; optionalArgs?: number }> = {
  submit: {
    options: [
      'prompt',
      'duration',
      'aspect-ratio',
      'model',
      'image',
      'request-id',
      'wait',
      'topic',
      'project',
      'download',
    ],
    args: [],
  },
  extend: { options: ['prompt', 'duration', 'model', 'request-id', 'wait', 'download'], args: ['VIDEO'] },
  edit: { options: ['prompt', 'request-id', 'wait', 'download'], args: ['OPERATION_ID'] },
  watch: { options: ['download'], args: ['OPERATION_ID'] },
  get: { options: ['download'], args: ['OPERATION_ID'] },
  keys: {
    options: ['principal', 'expires-in-days'],
    args: ['create|list|revoke', 'KEY_ID'],
    optionalArgs: 1,
  },
};

const usageError = (message: string) => new CliError(EXIT.USAGE, `${message} (veo-mcp --help)`);

/** Node's parseArgs refusals, in our words: which option, and what is wrong with it. */
function parseCommandLine(argv: string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const option = /'(-[^' ]+)/.exec((err as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usageError(`unknown option ${option ?? ''}`.trim());
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = option ?? '';
      throw usageError(
        OPTIONS[name.replace(/^-+/, '') as Option]?.type === 'boolean'
          ? `${name} takes no value`
          : `${name} needs a value`,
      );
    }
    throw usageError((err as Error).message.split('\n')[0]!);
  }
}

/** One line: a message from the server or a library may carry newlines. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err.write(`veo-mcp: ${oneLine(err.message)}\n`);
      if (debug) io.err.write(`${inspect(err.cause ?? err)}\n`);
      return err.exitCode;
    }
    io.err.write(
      `veo-mcp: internal error: ${oneLine((err as Error)?.message ?? String(err))}` +
        `${debug ? '' : ' (--debug prints the stack)'}\n`,
    );
    if (debug) io.err.write(`${inspect(err)}\n`);
    return EXIT.INTERNAL;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.help || !command) {
    io.out.write(`${USAGE}\n`);
    return EXIT.SUCCEEDED;
  }
  const spec = COMMANDS[command];
  if (!spec) throw usageError(`unknown command ${command}`);
  for (const name of Object.keys(values) as Option[]) {
    if (!COMMON.includes(name) && !spec.options.includes(name)) {
      throw usageError(`--${name} does not apply to ${command}`);
    }
  }
  const required = spec.args.length - (spec.optionalArgs ?? 0);
  if (args.length < required) throw usageError(`${command} needs ${spec.args.slice(0, required).join(' ')}`);
  if (args.length > spec.args.length)
    throw usageError(`${command} takes no argument ${args[spec.args.length]}`);
  if (values.download !== undefined && (command === 'submit' || command === 'extend' || command === 'edit')) {
    if (!values.wait) throw usageError(`--download needs --wait with ${command}`);
  }

  if (command === 'keys') return keys(io, values, args[0], args[1]);
  if (command === 'submit' && values.topic) {
    if (values.wait)
      throw usageError('--wait does not apply with --topic: the completions topic carries the result');
    return publish(io, values);
  }

  const url = endpoint(io, values);
  const session = new Session(url, values.token);
  try {
    switch (command) {
      case 'submit':
        return await start(io, session, values, 'generate_video', generationArgs(values));
      case 'extend':
        return await start(io, session, values, 'extend_video', {
          video: args[0],
          prompt: needPrompt(values, command),
          model: values.model,
          duration_seconds: duration(values),
        });
      case 'edit':
        return await start(io, session, values, 'edit_video', {
          operation_id: args[0],
          prompt: needPrompt(values, command),
        });
      case 'watch':
        return await finish(io, await follow(io, session, args[0]!), values.download);
      default: {
        const view = await session.call('get_video_operation', { operation_id: args[0] });
        printResult(io.out, view);
        return await finish(io, view, values.download);
      }
    }
  } finally {
    await session.close();
  }
}

/** --url, else the server's own address from its settings (PUBLIC_BASE_URL, else 127.0.0.1:PORT). */
function endpoint(io: CliIo, values: Values): URL {
  if (values.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(values.url);
    } catch {
      // Reported below.
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw usageError(
        `--url ${JSON.stringify(values.url)}: must be an http(s) URL such as http://127.0.0.1:8080/mcp`,
      );
    }
    // fetch refuses such URLs, and the error would repeat the password: refuse it first, without quoting it.
    if (url.username || url.password) {
      throw usageError('--url must not carry user:password (send a credential with --token)');
    }
    return url;
  }
  return new URL(`${configOf(io).publicBaseUrl}/mcp`);
}

function configOf(io: CliIo): Config {
  try {
    return io.config();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The loader's own wording (secret values already redacted there), its problems on one line.
    const problems = err.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    throw new CliError(EXIT.USAGE, `configuration: ${problems.join('; ')}`, { cause: err });
  }
}

function needPrompt(values: Values, command: string): string {
  if (!values.prompt) throw usageError(`${command} needs --prompt TEXT`);
  return values.prompt;
}

function duration(values: Values): number | undefined {
  if (values.duration === undefined) return undefined;
  const seconds = Number(values.duration);
  if (values.duration.trim() === '' || !Number.isInteger(seconds)) {
    throw usageError(`--duration ${JSON.stringify(values.duration)}: must be whole seconds`);
  }
  return seconds;
}

function generationArgs(values: Values): Record<string, unknown> {
  if (!values.prompt && !values.image) throw usageError('submit needs --prompt TEXT (or --image)');
  return {
    prompt: values.prompt,
    image: values.image,
    model: values.model,
    aspect_ratio: values['aspect-ratio'],
    duration_seconds: duration(values),
  };
}

/** Starts an operation with a starting tool; with --wait follows it to its end. */
async function start(
  io: CliIo,
  session: Session,
  values: Values,
  tool: string,
  args: Record<string, unknown>,
): Promise<number> {
  const requestId = values['request-id'] ?? `cli-${randomUUID()}`;
  const started = await session.call(tool, { ...args, idempotency_key: requestId });
  io.out.write(`started ${started.operation_id} (request ${requestId})\n`);
  if (values.wait) return finish(io, await follow(io, session, started.operation_id), values.download);
  printResult(io.out, started);
  return outcome(io, started);
}

/** Polls get_video_operation until the operation is final, showing its progress. */
async function follow(io: CliIo, session: Session, operationId: string): Promise<View> {
  const progress = createProgress(io.out, operationId, io.now, io.spinnerMs);
  try {
    for (;;) {
      const view = await session.call('get_video_operation', { operation_id: operationId });
      progress.update(view);
      if (view.done) {
        progress.stop();
        printResult(io.out, view);
        return view;
      }
      await io.pause(POLL_MS, operationId);
    }
  } finally {
    progress.stop();
  }
}

/** The exit code of a shown operation; a download (--download DIR) only of a SUCCEEDED one. */
async function finish(io: CliIo, view: View, dir: string | undefined): Promise<number> {
  if (dir !== undefined && view.status === 'SUCCEEDED') {
    await download(io, view, dir);
    return EXIT.SUCCEEDED;
  }
  return outcome(io, view, dir);
}

/** Exit code for the operation's status; anything but SUCCEEDED also gets its one line on stderr. */
function outcome(io: CliIo, view: View, dir?: string): ExitCode {
  const code = exitCodeOf(view.status);
  if (code === EXIT.SUCCEEDED) return code;
  const id = view.operation_id;
  let line: string;
  if (!view.done) {
    line =
      dir === undefined
        ? `operation ${id} is ${view.status}, not finished: veo-mcp watch ${id} follows it`
        : `operation ${id} is ${view.status}, not finished: nothing downloaded (veo-mcp watch ${id} --download ${dir} waits for it)`;
  } else {
    const why =
      view.status === 'FILTERED'
        ? ` by the model's safety filters (not billed): ${view.rai_reasons?.join(' / ') ?? view.error?.message ?? 'no reason given'}`
        : view.error
          ? `: ${view.error.code}: ${view.error.message}`
          : '';
    line = `operation ${id} ${view.status}${why}`;
    if (dir !== undefined) line += ' (nothing to download)';
  }
  io.err.write(`veo-mcp: ${oneLine(line)}\n`);
  return code;
}

/** The name of a video's object in its link (…/video-0.mp4), which the saved file and the printed label repeat. */
function videoName(video: { uri: string }, index: number): string {
  const name = video.uri.split('/').pop() ?? '';
  // A name from the server becomes a file name: only a plain one is used as is.
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? name : `video-${index}.mp4`;
}

function printResult(out: Output, view: View): void {
  out.write(
    `${view.operation_id} ${view.status}${view.backend === 'simulator' ? ' (simulator test pattern)' : ''}\n`,
  );
  if (view.error) out.write(`  ${view.error.code}: ${view.error.message}\n`);
  for (const reason of view.rai_reasons ?? []) out.write(`  filtered: ${reason}\n`);
  view.videos.forEach((video, i) =>
    out.write(`  ${videoName(video, i)}: ${video.url}\n    ${video.uri} (${video.bytes} bytes)\n`),
  );
}

/** Saves every video as OPERATION_ID-<link name>; a failed transfer leaves no partial file (nor a new empty folder). */
async function download(io: CliIo, view: View, dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  let saved = 0;
  try {
    for (const [i, video] of view.videos.entries()) {
      const name = videoName(video, i);
      const file = path.join(dir, `${view.operation_id}-${name}`);
      let response: Response;
      try {
        response = await fetch(video.url);
      } catch (err) {
        throw new CliError(
          EXIT.UNREACHABLE,
          `download of ${name}: ${networkReason(err) ?? (err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (!response.ok || !response.body) {
        throw new CliError(
          EXIT.REFUSED,
          `download of ${name} answered HTTP ${response.status}` +
            (response.status === 403 ? ' (the link may have expired: veo-mcp get gives fresh links)' : ''),
        );
      }
      const part = `${file}.part`;
      try {
        await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(part));
        await rename(part, file);
      } catch (err) {
        await rm(part, { force: true });
        throw err;
      }
      saved++;
      io.out.write(`  saved ${file}\n`);
    }
  } catch (err) {
    if (saved === 0 && created) await rm(created, { recursive: true, force: true });
    throw err;
  }
}

async function publish(io: CliIo, values: Values): Promise<number> {
  const args = generationArgs(values);
  if (!values.project) throw usageError('--topic needs --project');
  const requestId = values['request-id'] ?? `cli-${randomUUID()}`;
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId: values.project });
  try {
    const messageId = await pubsub
      .topic(values.topic!)
      .publishMessage({ json: { ...args, request_id: requestId } });
    io.out.write(
      `published request ${requestId} as message ${messageId}; watch the completions topic for its event\n`,
    );
    return EXIT.SUCCEEDED;
  } finally {
    await pubsub.close();
  }
}

async function keys(io: CliIo, values: Values, command: string | undefined, target: string | undefined) {
  const config = configOf(io);
  if (!io.keys) throw new CliError(EXIT.INTERNAL, 'keys is not available in this build');
  return io.keys(config, {
    command,
    target,
    principal: values.principal,
    expiresInDays: values['expires-in-days'],
  });
}

/** Network failures by their system code, in a person's words. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
};

/** Why a fetch failed, when it was the network (walks the cause chain fetch and the SDK wrap it in). */
function networkReason(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown; message?: string } | undefined, depth = 0;
    e && depth < 6;
    depth++
  ) {
    if (typeof e.code === 'string' && NETWORK_CODES[e.code]) return NETWORK_CODES[e.code];
    if (e instanceof TypeError && e.message === 'fetch failed' && !e.cause) return 'fetch failed';
    if (
      e instanceof TypeError &&
      e.message === 'fetch failed' &&
      e.cause instanceof Error &&
      !('code' in e.cause)
    ) {
      return e.cause.message;
    }
    e = e.cause as typeof e;
  }
  return undefined;
}

/** The JSON-RPC error message in an HTTP error body, if there is one. */
function serverMessage(err: SdkHttpError): string | undefined {
  const text = typeof err.data.text === 'string' ? err.data.text : undefined;
  if (!text) return undefined;
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return text.length <= 200 ? text : undefined;
  }
}

/** An MCP session with the server: connects on first use; every failure becomes a CliError with its exit code. */
class Session {
  private client: Client | undefined;
  private readonly url: URL;
  private readonly token: string | undefined;
  constructor(url: URL, token: string | undefined) {
    this.url = url;
    this.token = token;
  }

  async call(tool: string, args: Record<string, unknown>): Promise<View> {
    try {
      const client = await this.connect();
      const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
      if (result.isError) {
        const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
        const code = /^([A-Z_]+):/.exec(text)?.[1];
        const auth = code === 'UNAUTHENTICATED' || code === 'PERMISSION_DENIED';
        throw new CliError(auth ? EXIT.AUTH : EXIT.REFUSED, `${tool} refused: ${text}`);
      }
      return result.structuredContent as unknown as View;
    } catch (err) {
      throw this.explain(err);
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ name: 'veo-mcp-cli', version: '0.1.0' });
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : undefined;
    await client.connect(new StreamableHTTPClientTransport(this.url, { requestInit: { headers } }));
    this.client = client;
    return client;
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => {});
  }

  /** The exit code and one line for what went wrong talking to the server. */
  private explain(err: unknown): unknown {
    if (err instanceof CliError) return err;
    const at = this.url.href;
    if (err instanceof SdkHttpError) {
      const said = serverMessage(err);
      const detail = `HTTP ${err.status}${said ? `: ${said}` : err.statusText ? ` ${err.statusText}` : ''}`;
      if (err.status === 401 || err.status === 403) {
        return new CliError(
          EXIT.AUTH,
          `${at} refused the credentials: ${detail}${this.token ? '' : ' (--token sends one)'}`,
          { cause: err },
        );
      }
      if (err.status === 429)
        return new CliError(EXIT.REFUSED, `${at} refused the request: ${detail}`, { cause: err });
      return new CliError(EXIT.UNREACHABLE, `no MCP endpoint at ${at}: ${detail}`, { cause: err });
    }
    const network = networkReason(err);
    if (network) {
      return new CliError(
        EXIT.UNREACHABLE,
        `cannot reach ${at}: ${network} (is the server running? the URL comes from --url, else PUBLIC_BASE_URL or PORT)`,
        { cause: err },
      );
    }
    if (err instanceof SdkError) {
      return new CliError(EXIT.UNREACHABLE, `no usable MCP answer from ${at}: ${err.message}`, {
        cause: err,
      });
    }
    if (err instanceof ProtocolError) {
      return new CliError(EXIT.REFUSED, `${at} refused the request: ${err.message}`, { cause: err });
    }
    return err; // Not the server's doing: an internal error.
  }
}
