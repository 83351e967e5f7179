// Raw HTTP for hostile requests (http-hardening.test.ts, and processes.test.ts's gzip bomb against a real process):
// full control of Host, encodings and framing, which fetch forbids; gzip bombs built without compressing them; the
// headers every answer of the HTTP edge must carry; and calls that come from another host than loopback
// (processes.test.ts and local-bind.test.ts).
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: { error?: { code: number; message: string }; id?: unknown; result?: unknown } | undefined;
}

/** One raw HTTP request with full control of Host, encodings and framing (fetch forbids some of these). */
export function send(
  url: string,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string | Buffer[];
  } = {},
): Promise<Answer> {
  const target = new URL(url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? target.pathname,
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Answer['json'];
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    // The server may answer and close before an oversize upload is done: the answer is what counts.
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
    if (Array.isArray(options.body)) {
      for (const chunk of options.body) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

export const MiB = 1024 * 1024;

/**
 * A gzip body of `size` zero bytes (whole MiB), assembled rather than compressed: one MiB of zeros deflated once into
 * blocks that end on a byte boundary with the compressor's history reset (a full flush), so that copies of them in a
 * row inflate to a MiB each, then the final empty block and the trailer (CRC-32 and length of the whole). Compressing
 * the gigabyte took 2.5 s of CPU, and the CRC of its zeros byte by byte 0.44 s; crcOfCopies takes a millisecond.
 */
export function gzipBomb(size: number): Buffer {
  assert.equal(size % MiB, 0, 'whole MiB');
  const zeros = Buffer.alloc(MiB);
  const block = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]); // deflate, no name or time, best compression
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crcOfCopies(Buffer.alloc(1024), size / 1024), 0); // The CRC of `size` zeros
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  const blocks = new Array<Buffer>(size / MiB).fill(block);
  return Buffer.concat([header, ...blocks, deflateRawSync(Buffer.alloc(0)), trailer]);
}

/** A map of CRC-32 values x -> matrix·x XOR offset over GF(2); the matrix as its 32 columns. */
interface Affine {
  columns: number[];
  offset: number;
}
const apply = (f: Affine, x: number): number =>
  f.columns.reduce((sum, column, bit) => ((x >>> bit) & 1 ? sum ^ column : sum), f.offset) >>> 0;
/** g after f. */
const compose = (g: Affine, f: Affine): Affine => ({
  columns: f.columns.map((column) => (apply(g, column) ^ g.offset) >>> 0),
  offset: apply(g, f.offset),
});

/**
 * The CRC-32 of `count` copies of `block` in a row, reading the block 33 times rather than `count` times: continuing a
 * CRC over a fixed block is an affine map of the CRC so far (zlib's crc32_combine rests on the same fact), found by
 * running the block from 0 and from each single bit, then raised to the count by squaring. gunzip checks the result
 * (the bombs' own test).
 */
function crcOfCopies(block: Buffer, count: number): number {
  const offset = crc32(block, 0);
  let step: Affine = {
    columns: Array.from({ length: 32 }, (_, bit) => (crc32(block, 2 ** bit) ^ offset) >>> 0),
    offset,
  };
  let all: Affine = { columns: Array.from({ length: 32 }, (_, bit) => 2 ** bit), offset: 0 };
  for (let left = count; left > 0; left = Math.floor(left / 2)) {
    if (left % 2 === 1) all = compose(step, all);
    step = compose(step, step);
  }
  return apply(all, 0);
}

/** nosniff, a CSP, and neither an HTML page nor a stack trace. */
export function assertHardenedHeaders(answer: Answer, what: string): void {
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', `nosniff on ${what}`);
  assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/, `CSP on ${what}`);
  assert.doesNotMatch(answer.headers['content-type'] ?? '', /html/, `no HTML on ${what}`);
  assert.doesNotMatch(answer.text, /<html|<pre>|at [\w.]+ \(.*:\d+:\d+\)/i, `no page or stack on ${what}`);
}

/** An address of this machine that is not loopback, so a request to it comes from a non-loopback address. */
export const EXTERNAL_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
/** The skip reason of a test that calls from EXTERNAL_ADDRESS, false when there is one. */
export const NO_EXTERNAL_ADDRESS = EXTERNAL_ADDRESS
  ? false
  : 'this machine has no non-loopback IPv4 address to call from';
