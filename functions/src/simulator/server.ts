// The Veo simulator: a local HTTP server speaking Veo's Vertex AI wire protocol, so the real @google/genai SDK runs
// unchanged (the Gemini API serves no Veo since 2026-10-22):
//   POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:predictLongRunning
//                POST /v1beta1/.../models/{model}:fetchPredictOperation  {operationName}
// It returns real, playable test-pattern MP4s (marked SIMULATED) after a delay, and injects faults on request:
// a prompt containing [sim:FAULT] selects one (see FAULTS). Every operation carries metadata.simulator = true.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assetFor, SIMULATOR_DURATIONS } from './assets.js';

export const FAULTS = [
  'submit-429',
  'submit-500',
  'submit-malformed',
  'submit-slow',
  'poll-429',
  'poll-500',
  'poll-malformed',
  'poll-slow',
  'rai',
  'rai-partial',
  'error',
  'never',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface SimulatorOptions {
  /** Seconds from submit until the operation is done (default 4); `[sim:delay=N]` in a prompt overrides it. */
  delaySeconds?: number;
  /** How long a "-slow" fault holds the response (default 3000 ms). */
  slowMs?: number;
  /** Writes an object to gs:// for Vertex requests with storageUri (as Veo does); without it such requests fail. */
  writeObject?: (gcsUri: string, bytes: Buffer, contentType: string) => Promise<void>;
  /** Publishes Vertex's completion notice to the request's pubsubTopic when the operation is done. */
  notify?: (topic: string, notice: { name: string; done: true }) => Promise<void>;
}

export interface SimulatorStats {
  submits: number;
  polls: number;
  rejected: number;
  notices: number;
}

interface SimOperation {
  name: string;
  doneAt: number;
  fault?: Fault;
  faultSpent: boolean;
  aspectRatio: string;
  durationSeconds: number;
  sampleCount: number;
  storageUri?: string;
  /** Vertex with storageUri: the objects Veo writes when the operation completes. */
  written?: Promise<string[]>;
}

const VERTEX_MODEL =
  /^\/v1(?:beta1)?\/projects\/([\w.-]+)\/locations\/([\w-]+)\/publishers\/google\/models\/([\w.-]+):(predictLongRunning|fetchPredictOperation)$/;

export class VeoSimulator {
  /** Emits 'completed' (operation name) when a Vertex operation with outputs in storage has written them. */
  readonly events = new EventEmitter();
  readonly stats: SimulatorStats = { submits: 0, polls: 0, rejected: 0, notices: 0 };
  private readonly operations = new Map<string, SimOperation>();
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly delaySeconds: number;
  private readonly slowMs: number;
  private readonly options: SimulatorOptions;

  constructor(options: SimulatorOptions = {}) {
    this.options = options;
    this.delaySeconds = options.delaySeconds ?? 4;
    this.slowMs = options.slowMs ?? 3000;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', `Simulator failure: ${(err as Error).message}`);
        else res.destroy();
      });
    });
  }

  /** Starts listening on 127.0.0.1; port 0 picks a free one. Returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  /** When the named operation is (or was) done, in epoch milliseconds. */
  doneAt(name: string): number | undefined {
    return this.operations.get(name)?.doneAt;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    let match: RegExpExecArray | null;

    if (req.method === 'GET' && path === '/simulator/stats') return sendJson(res, 200, this.stats);
    if (req.method === 'POST' && (match = VERTEX_MODEL.exec(path))) {
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return unauthenticated(res);
      const [, project, location, model, verb] = match;
      const body = await readJson(req);
      const modelName = `projects/${project}/locations/${location}/publishers/google/models/${model}`;
      if (verb === 'predictLongRunning') return this.submit(modelName, body, res);
      const operationName = (body as { operationName?: unknown } | undefined)?.operationName;
      if (typeof operationName !== 'string' || !operationName.startsWith(`${modelName}/operations/`)) {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'operationName must name an operation of this model');
      }
      return this.fetch(operationName, res);
    }
    return sendError(res, 404, 'NOT_FOUND', `No simulated Veo endpoint for ${req.method} ${path}`);
  }

  private async submit(modelName: string, body: unknown, res: ServerResponse) {
    const { instances, parameters = {} } = (body ?? {}) as {
      instances?: Array<{ prompt?: string; image?: unknown }>;
      parameters?: Record<string, unknown>;
    };
    const instance = instances?.[0];
    const prompt = instance?.prompt ?? '';
    const fault = FAULTS.find((f) => prompt.includes(`[sim:${f}]`));
    if (fault?.startsWith('submit-')) {
      const handled = await this.injectFault(fault, res);
      if (handled) return;
    }
    const aspectRatio = String(parameters['aspectRatio'] ?? '16:9');
    const durationSeconds = Number(parameters['durationSeconds'] ?? 8);
    const sampleCount = Number(parameters['sampleCount'] ?? 1);
    const problem = !instance
      ? 'instances[0] is required'
      : !prompt && !instance.image
        ? 'A prompt or an image is required'
        : !['16:9', '9:16'].includes(aspectRatio)
          ? `Unsupported aspect ratio ${aspectRatio}`
          : !SIMULATOR_DURATIONS.includes(durationSeconds)
            ? `Unsupported duration ${durationSeconds}`
            : !(sampleCount >= 1 && sampleCount <= 4)
              ? `sampleCount must be 1-4`
              : undefined;
    if (problem) {
      this.stats.rejected++;
      return sendError(res, 400, 'INVALID_ARGUMENT', problem);
    }
    const storageUri = typeof parameters['storageUri'] === 'string' ? parameters['storageUri'] : undefined;
    if (storageUri && !this.options.writeObject) {
      this.stats.rejected++;
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        'This simulator has no GCS writer: storageUri unsupported',
      );
    }
    this.stats.submits++;
    const delayMatch = /\[sim:delay=(\d+(?:\.\d+)?)\]/.exec(prompt);
    const delay = delayMatch ? Number(delayMatch[1]) : this.delaySeconds;
    const id = randomUUID();
    const name = `${modelName}/operations/${id}`;
    this.operations.set(name, {
      name,
      doneAt: Date.now() + delay * 1000,
      fault,
      faultSpent: false,
      aspectRatio,
      durationSeconds,
      sampleCount,
      storageUri,
    });
    const topic = typeof parameters['pubsubTopic'] === 'string' ? parameters['pubsubTopic'] : undefined;
    if (fault !== 'never' && (storageUri || (topic && this.options.notify))) {
      this.completeLater(this.operations.get(name)!, topic, delay);
    }
    return sendJson(res, 200, { name, metadata: { simulator: true } });
  }

  /** Like Vertex at completion: write the videos to storageUri, then one notice on pubsubTopic. */
  private completeLater(op: SimOperation, topic: string | undefined, delaySeconds: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void (async () => {
        try {
          if (op.storageUri && op.fault !== 'error') await this.writeOutputs(op);
          if (topic && this.options.notify) {
            this.stats.notices++;
            await this.options.notify(topic, { name: op.name, done: true });
          }
          this.events.emit('completed', op.name);
        } catch (err) {
          console.error(`Simulator could not complete ${op.name}: ${(err as Error).message}`);
        }
      })();
    }, delaySeconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async fetch(name: string, res: ServerResponse) {
    const op = this.operations.get(name);
    if (!op) return sendError(res, 404, 'NOT_FOUND', `Operation ${name} not found`);
    this.stats.polls++;
    if (op.fault?.startsWith('poll-') && !op.faultSpent) {
      op.faultSpent = true;
      const handled = await this.injectFault(op.fault, res);
      if (handled) return;
    }
    const metadata = { simulator: true };
    if (op.fault === 'never' || Date.now() < op.doneAt) return sendJson(res, 200, { name, metadata });
    if (op.fault === 'error') {
      return sendJson(res, 200, {
        name,
        metadata,
        done: true,
        error: { code: 13, message: 'Simulated generation failure: the model could not produce a video.' },
      });
    }
    const filtered = this.filteredCount(op);
    const reasons =
      filtered > 0
        ? [
            'Simulated safety filter: this prompt asked for filtered content. ' +
              'Support codes are not real; rephrase the prompt.',
          ]
        : undefined;
    const count = op.sampleCount - filtered;
    const response = {
      '@type': 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse',
      videos: await this.vertexVideos(op, count),
      raiMediaFilteredCount: filtered || undefined,
      raiMediaFilteredReasons: reasons,
    };
    return sendJson(res, 200, { name, metadata, done: true, response });
  }

  private async vertexVideos(op: SimOperation, count: number) {
    if (op.storageUri) {
      const written = await this.writeOutputs(op);
      return written.slice(0, count).map((gcsUri) => ({ gcsUri, mimeType: 'video/mp4' }));
    }
    const bytes = await readFile(assetFor(op.aspectRatio, op.durationSeconds));
    return Array.from({ length: count }, () => ({
      bytesBase64Encoded: bytes.toString('base64'),
      mimeType: 'video/mp4',
    }));
  }

  /** Like Veo: {storageUri}{numeric id}/sample_{n}.mp4 for each surviving video, written once per operation. */
  private writeOutputs(op: SimOperation): Promise<string[]> {
    op.written ??= (async () => {
      const bytes = await readFile(assetFor(op.aspectRatio, op.durationSeconds));
      const prefix = `${op.storageUri!.replace(/\/?$/, '/')}${Date.now()}`;
      const uris: string[] = [];
      for (let n = 0; n < op.sampleCount - this.filteredCount(op); n++) {
        const uri = `${prefix}/sample_${n}.mp4`;
        await this.options.writeObject!(uri, bytes, 'video/mp4');
        uris.push(uri);
      }
      return uris;
    })();
    return op.written;
  }

  private filteredCount(op: SimOperation): number {
    if (op.fault === 'rai') return op.sampleCount;
    if (op.fault === 'rai-partial') return Math.min(1, op.sampleCount - 1);
    return 0;
  }

  /** Answers with the fault; returns false when the fault only delays a normal answer. */
  private async injectFault(fault: Fault, res: ServerResponse): Promise<boolean> {
    if (fault.endsWith('-429')) {
      sendError(res, 429, 'RESOURCE_EXHAUSTED', 'Simulated quota exhaustion: too many requests.');
      return true;
    }
    if (fault.endsWith('-500')) {
      sendError(res, 500, 'INTERNAL', 'Simulated internal error.');
      return true;
    }
    if (fault.endsWith('-malformed')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"name": "models/broken/operations/');
      return true;
    }
    if (fault.endsWith('-slow')) await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    return false;
  }
}

function unauthenticated(res: ServerResponse): void {
  sendError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, code: number, status: string, message: string): void {
  sendJson(res, code, { error: { code, message, status } });
}
