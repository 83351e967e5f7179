// Local-directory BlobStore: outputs saved under LOCAL_BLOB_DIR and served over HTTP through expiring HMAC-signed
// links — the same contract as GCS V4 signed URLs. Tampered or expired links get 403; keys cannot leave the directory.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { systemClock, type Clock } from '../operations/clock.js';
import type { BlobStore } from '../operations/ports.js';
import type { OperationOutput } from '../operations/record.js';

const URI_SCHEME = 'local:';
export const BLOB_ROUTE = '/blobs/';
const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export interface LocalBlobOptions {
  dir: string;
  publicBaseUrl: string;
  /** HMAC key for links. Without one, a random per-process key is used: links die with the process. */
  signingKey?: string;
  /** Signs and checks link expiry (tests move it past a link's expiry); the system clock by default. */
  clock?: Clock;
}

export class LocalBlobStore implements BlobStore {
  private readonly root: string;
  private readonly key: Buffer;
  private readonly options: LocalBlobOptions;

  constructor(options: LocalBlobOptions) {
    this.options = options;
    this.root = path.resolve(options.dir);
    this.key = options.signingKey ? Buffer.from(options.signingKey, 'utf8') : randomBytes(32);
  }

  async put(key: string, body: Readable | Buffer, mimeType: string): Promise<OperationOutput> {
    const file = this.fileFor(key);
    if (!file) throw new AppError('INTERNAL', `Invalid blob key ${JSON.stringify(key)}`);
    await mkdir(path.dirname(file), { recursive: true });
    // Write to a temporary name and rename: readers never see a half-written video.
    const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
    await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(partial));
    await rename(partial, file);
    const { size } = await stat(file);
    return { uri: URI_SCHEME + key, mimeType, bytes: size };
  }

  async stat(uri: string): Promise<OperationOutput | undefined> {
    const file = uri.startsWith(URI_SCHEME) ? this.fileFor(uri.slice(URI_SCHEME.length)) : undefined;
    if (!file) return undefined;
    try {
      const { size } = await stat(file);
      return { uri, mimeType: mimeTypeOf(file), bytes: size };
    } catch {
      return undefined;
    }
  }

  async read(uri: string): Promise<Buffer> {
    const file = uri.startsWith(URI_SCHEME) ? this.fileFor(uri.slice(URI_SCHEME.length)) : undefined;
    if (!file) throw new AppError('INTERNAL', `Not a local blob URI: ${uri}`);
    return readFile(file);
  }

  async openRead(uri: string): Promise<Readable> {
    const file = uri.startsWith(URI_SCHEME) ? this.fileFor(uri.slice(URI_SCHEME.length)) : undefined;
    // Opened before it is returned: a missing file is a NOT_FOUND now, not an error event mid-read.
    const handle = file ? await open(file, 'r').catch(() => undefined) : undefined;
    if (!handle) throw new AppError('NOT_FOUND', `No object ${uri}.`);
    return handle.createReadStream();
  }

  async signedUrl(uri: string, ttlSeconds: number): Promise<{ url: string; expiresAt: string }> {
    if (!uri.startsWith(URI_SCHEME)) throw new AppError('INTERNAL', `Not a local blob URI: ${uri}`);
    const key = uri.slice(URI_SCHEME.length);
    const expires = Math.floor(this.nowMs() / 1000) + ttlSeconds;
    const url =
      `${this.options.publicBaseUrl}${BLOB_ROUTE}${key.split('/').map(encodeURIComponent).join('/')}` +
      `?expires=${expires}&signature=${this.sign(key, expires)}`;
    return { url, expiresAt: new Date(expires * 1000).toISOString() };
  }

  outputUriFor(): string | undefined {
    return undefined; // Veo cannot write here: the poller copies outputs in.
  }

  async listOutputs(prefix: string): Promise<OperationOutput[]> {
    const dir = this.fileFor(prefix.replace(/\/+$/, ''));
    if (!dir) return [];
    const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    const outputs: OperationOutput[] = [];
    for (const name of names.filter((n) => n.endsWith('.mp4')).sort()) {
      const found = await this.stat(
        `${URI_SCHEME}${prefix.replace(/\/+$/, '')}/${name.split(path.sep).join('/')}`,
      );
      if (found) outputs.push(found);
    }
    return outputs;
  }

  /** Serves GET/HEAD /blobs/{key}?expires&signature. Answers 403 for a bad or expired signature. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(BLOB_ROUTE.length));
    } catch {
      return answerError(res, 400, 'Bad request: the link is not a valid URL path');
    }
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature') ?? '';
    const file = this.fileFor(key);
    if (!file || !Number.isInteger(expires) || !this.verify(key, expires, signature)) {
      return answerError(res, 403, 'Forbidden: invalid signature');
    }
    if (expires < this.nowMs() / 1000) return answerError(res, 403, 'Forbidden: link expired');
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return answerError(res, 404, 'Not found');
    }
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': mimeTypeOf(file),
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, max-age=60',
      // A blob is a video or an image, never a page: nothing in it may run, whatever a browser makes of it.
      'Content-Security-Policy': "sandbox; default-src 'none'; media-src 'self'; img-src 'self'",
    };
    const [start, end] = range ?? [0, size - 1];
    headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    await pipeline(createReadStream(file, { start, end }), res).catch(() => res.destroy());
  }

  private nowMs(): number {
    return (this.options.clock ?? systemClock).now().getTime();
  }

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${key}\n${expires}`).digest('hex');
  }

  private verify(key: string, expires: number, signature: string): boolean {
    const expected = Buffer.from(this.sign(key, expires), 'hex');
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The file for a key, or undefined when the key could escape the blob directory. */
  private fileFor(key: string): string | undefined {
    if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '.' || part === '..'))
      return undefined;
    const file = path.resolve(this.root, key);
    return file.startsWith(this.root + path.sep) ? file : undefined;
  }
}

/** Errors are JSON, as every other answer of the mcp function. */
function answerError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { status, message: text } }));
}

function mimeTypeOf(file: string): string {
  return file.endsWith('.mp4') ? 'video/mp4' : 'application/octet-stream';
}

function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'invalid' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : [start, end];
}
