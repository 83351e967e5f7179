// The input video of an extension (extend_video): where it may come from, what it is, and whether the model can
// extend it. gs:// videos are read through the blob store; https videos are fetched through net/egress.ts and copied
// into the blob store, since Veo reads an input video only from gs:// (research note §3). What a video is comes from
// its own bytes, parsed with mp4box: never from a name or a Content-Type. Every refusal names `video`, the value and
// what is allowed, and happens before anything is written: the one write, the https copy, follows the checks.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Movie } from 'mp4box';
import { AppError, invalidArgument } from '../errors.js';
import type { EgressOptions } from '../net/egress.js';
import type { BlobStore } from '../operations/ports.js';
import type { VideoReference } from '../operations/record.js';
import { fetchCallerMedia, GCS_OBJECT_URI } from './image.js';

/** What an input video is, as read from its bytes. */
export interface VideoFacts {
  mimeType: 'video/mp4';
  /** The video track's duration (its media header), rounded to 3 decimals. */
  durationSeconds: number;
  /** The coded frame size of the video track's sample entry (a rotation matrix is not applied). */
  width: number;
  height: number;
  /** Frames per second: the video track's sample count over its duration, rounded to 3 decimals. */
  fps: number;
  bytes: number;
}

/** What a model accepts as an input video to extend (the catalog fills these per model). */
export interface ExtensionRules {
  minSeconds: number;
  maxSeconds: number;
  fps: number;
  sizes: Array<{ width: number; height: number; label: string }>;
}

export interface InspectOptions {
  /**
   * The stream's full length when the caller knows it (a stored object's size). Then a video over maxBytes is refused
   * without reading, reading stops as soon as the movie header is parsed (a video whose moov box comes first is not
   * downloaded whole), and truncation is checked against it. Without it the stream is read to its end (up to maxBytes).
   */
  totalBytes?: number;
  /** How refusals name the video (its URI); default: its size. */
  label?: string;
}

export interface VideoOptions {
  blobs: BlobStore;
  /** Largest input video read or fetched, in bytes. */
  maxBytes: number;
  /**
   * The blob key an https video is copied to, given the sha256 of its bytes; Veo then reads the copy. Named by
   * content: the same video always has the same key (a retried call replays), and another video never meets an old
   * copy at its key (GCS writes are create-only).
   */
  copyTo: (sha256: string) => string;
  /** The model's rules (extensionInputProblems): checked before the https copy is made. */
  rules?: ExtensionRules;
  /** Where https videos may be fetched from (net/egress.ts); tests inject a resolver and a CA. */
  egress?: EgressOptions;
  /** Time cap on fetching an https video; default FETCH_TIMEOUT_MS, as for images. */
  timeoutMs?: number;
}

const ACCEPTED = 'Give a gs://BUCKET/OBJECT URI or an https:// URL of an MP4 video.';
const MP4 = 'the model extends MP4 videos (video/mp4)';
/** What file-type reads to recognise a format (its `sampleSize` default, file-type 22 readme). */
const SNIFF_BYTES = 4100;
/**
 * How far a measured frame rate may be from the rule's: a 24 fps file written by any muxer measures 24.000, while
 * 23.976 (NTSC film) is a different rate and is refused.
 */
const FPS_TOLERANCE = 0.01;

/** Reads an input video from `gs://` or `https://` and describes it; throws INVALID_ARGUMENT on anything else. */
export async function resolveVideo(value: string, options: VideoOptions): Promise<VideoReference> {
  const text = value.trim();
  if (/^gs:\/\//i.test(text)) return gcsVideo(text, options);
  if (/^https:\/\//i.test(text)) return httpsVideo(text, options);
  throw invalidArgument(
    'video',
    value,
    /^[a-z][a-z0-9+.-]*:/i.test(text)
      ? `Only gs:// and https:// videos are read. ${ACCEPTED}`
      : `It is not a URL. ${ACCEPTED}`,
  );
}

async function gcsVideo(uri: string, options: VideoOptions): Promise<VideoReference> {
  if (!GCS_OBJECT_URI.test(uri)) {
    throw invalidArgument('video', uri, 'A gs:// URI must name a bucket and an object: gs://BUCKET/OBJECT.');
  }
  // Every caller's outputs live in the output bucket and this service can read them all: naming one by URI would
  // extend another principal's video. A caller's own outputs are extended by operation id (resolveStoredVideo).
  const outputs = options.blobs.outputUriFor('');
  if (outputs && uri.startsWith(outputs)) {
    throw invalidArgument(
      'video',
      uri,
      `It is in this service's output bucket (${outputs}); extend one of your own videos by its operation id, ` +
        'or give a gs:// URI in another bucket or an https:// URL.',
    );
  }
  return reference('gcs', uri, await readStored(uri, options));
}

/**
 * Describes a video the blob store already holds: an output of one of the caller's own operations (the caller has
 * checked that the operation is theirs). The same checks as a gs:// video; `uri` may be any stored URI (local: too).
 */
export async function resolveStoredVideo(
  uri: string,
  operationId: string,
  options: Pick<VideoOptions, 'blobs' | 'maxBytes' | 'rules'>,
): Promise<VideoReference> {
  return { ...reference('operation', uri, await readStored(uri, options)), operationId };
}

async function readStored(uri: string, options: Pick<VideoOptions, 'blobs' | 'maxBytes' | 'rules'>) {
  let stream: Readable;
  try {
    stream = await options.blobs.openRead(uri);
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') {
      throw invalidArgument('video', uri, `There is no such object. ${ACCEPTED}`);
    }
    throw err;
  }
  const size = (await options.blobs.stat(uri))?.bytes;
  const facts = await inspectVideo(stream, options.maxBytes, { totalBytes: size, label: uri });
  refuseUnless(facts, options.rules, uri);
  return facts;
}

async function httpsVideo(url: string, options: VideoOptions): Promise<VideoReference> {
  const { maxBytes } = options;
  // Buffered, up to maxBytes: a video whose moov box comes last can only be checked once it is all here, and the
  // copy may not be written before the checks pass (GCS writes are create-only: a refused copy could not be removed).
  const body = await fetchCallerMedia(
    url,
    { field: 'video', sizeLimit: `Videos may be at most ${maxBytes} bytes (MAX_VIDEO_BYTES)` },
    maxBytes,
    options.egress,
    options.timeoutMs,
  );
  const facts = await inspectVideo(Readable.from([body]), maxBytes, { totalBytes: body.length, label: url });
  refuseUnless(facts, options.rules, url);
  const stored = await options.blobs.put(
    options.copyTo(createHash('sha256').update(body).digest('hex')),
    body,
    'video/mp4',
  );
  // The GCS store keeps an object already at the key (create-only): make sure the copy is this video.
  if (stored.bytes !== body.length) {
    throw new AppError(
      'INTERNAL',
      `${stored.uri} already holds another object (${stored.bytes} bytes, not ${body.length}).`,
    );
  }
  return { ...reference('https', stored.uri, facts), sourceUrl: url };
}

function refuseUnless(facts: VideoFacts, rules: ExtensionRules | undefined, label: string): void {
  const problems = rules && extensionInputProblems(facts, rules);
  if (problems) throw invalidArgument('video', label, problems);
}

function reference(source: VideoReference['source'], uri: string, facts: VideoFacts): VideoReference {
  const { mimeType, durationSeconds, width, height, fps, bytes } = facts;
  return { source, uri, mimeType, durationSeconds, width, height, fps, bytes };
}

/**
 * Which of the model's rules the video breaks, each with its value and what is allowed, or undefined when it keeps
 * them all. Pure: the lead's catalog supplies the rules.
 */
export function extensionInputProblems(facts: VideoFacts, rules: ExtensionRules): string | undefined {
  const problems: string[] = [];
  const { durationSeconds, fps, width, height } = facts;
  if (durationSeconds < rules.minSeconds || durationSeconds > rules.maxSeconds) {
    problems.push(
      `The video is ${durationSeconds} s long; the model extends videos of ${rules.minSeconds} to ${rules.maxSeconds} s.`,
    );
  }
  if (Math.abs(fps - rules.fps) > FPS_TOLERANCE) {
    problems.push(`The video is ${fps} fps; the model extends ${rules.fps} fps videos.`);
  }
  if (!rules.sizes.some((size) => size.width === width && size.height === height)) {
    const allowed = rules.sizes.map((size) => `${size.width}×${size.height} (${size.label})`).join(', ');
    problems.push(`The video is ${width}×${height}; the model extends ${allowed}.`);
  }
  return problems.length > 0 ? problems.join(' ') : undefined;
}

/**
 * Reads an MP4's movie header from `stream`: its bytes must be an MP4 (file-type, from the magic bytes), with a
 * complete movie header, a video track with frames, and every frame inside the file. The stream is destroyed as soon
 * as the answer is known. Refusals are INVALID_ARGUMENT naming `video`.
 */
export async function inspectVideo(
  stream: Readable,
  maxBytes: number,
  options: InspectOptions = {},
): Promise<VideoFacts> {
  const { totalBytes, label } = options;
  if (totalBytes !== undefined && totalBytes > maxBytes) {
    stream.destroy();
    throw invalidArgument(
      'video',
      label ?? `${totalBytes} bytes`,
      `It is ${totalBytes} bytes; ${limit(maxBytes)}`,
    );
  }
  // Loaded on first use: most requests carry no video, and cold starts should not pay for the parser.
  const { createFile, Log, MP4BoxBuffer } = await import('mp4box');
  // mp4box prints some parse errors with console.error (not to the file's onError): lines outside our structured
  // logs, carrying the caller's bytes. They are dropped; errors meant for a file still reach its onError.
  Log.error = (module, message, isofile) => isofile?.onError?.(module, message ?? '');
  const file = createFile();
  let movie: Movie | undefined;
  let parseError: string | undefined;
  file.onReady = (info) => {
    movie = info;
  };
  file.onError = (module, message) => {
    parseError ??= `${module}: ${message}`;
  };
  const feed = (bytes: Buffer, fileStart: number): void => {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    try {
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, fileStart));
    } catch {
      // mp4box throws a TypeError on some malformed boxes; its text means nothing to the caller.
      parseError ??= 'a box in its movie header could not be parsed';
    }
  };

  const head: Buffer[] = [];
  let read = 0;
  let sniffed = false;
  const sniff = async (): Promise<void> => {
    const bytes = Buffer.concat(head);
    await requireMp4(bytes, label ?? `${read} bytes`);
    sniffed = true;
    feed(bytes, 0);
  };
  // Breaking out of (or throwing in) the loop destroys the stream: nothing more is downloaded.
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    read += bytes.length;
    if (read > maxBytes) {
      throw invalidArgument(
        'video',
        label ?? `over ${maxBytes} bytes`,
        `It is over ${maxBytes} bytes${movie ? '' : ` and its movie header (moov box) is not within them`}; ${limit(maxBytes)}`,
      );
    }
    if (!sniffed) {
      head.push(bytes);
      if (read < SNIFF_BYTES) continue;
      await sniff();
    } else {
      feed(bytes, read - bytes.length);
    }
    if (parseError || (movie && totalBytes !== undefined)) break;
  }
  if (!sniffed) await sniff();
  const stoppedEarly = movie !== undefined && totalBytes !== undefined;
  if (!parseError && !stoppedEarly) file.flush();

  const name = label ?? `${totalBytes ?? read} bytes`;
  const refuse = (why: string): AppError => invalidArgument('video', name, `${why}; ${MP4}.`);
  if (parseError) throw refuse(`It is not a readable MP4 (${parseError})`);
  if (!movie) {
    throw refuse(
      'It ends before its movie header (moov box) is complete: it is truncated or not a whole MP4',
    );
  }
  const video = movie.videoTracks[0];
  if (!video) {
    const kinds = movie.tracks.map((track) => track.type ?? 'unknown');
    throw refuse(`It has no video track (its tracks: ${kinds.join(', ') || 'none'})`);
  }
  if (!video.nb_samples || !video.duration || !video.timescale || !video.video) {
    throw invalidArgument(
      'video',
      name,
      'Its movie header lists no video frames: it is a fragmented (or empty) MP4. Give a regular MP4, e.g. ' +
        'remuxed with ffmpeg -c copy -movflags +faststart.',
    );
  }
  const bytes = totalBytes ?? read;
  const end = framesEnd(file, movie);
  if (end > bytes) throw refuse(`It is truncated: its frames reach byte ${end} but it has ${bytes} bytes`);
  const seconds = video.duration / video.timescale;
  return {
    mimeType: 'video/mp4',
    durationSeconds: round3(seconds),
    width: video.video.width,
    height: video.video.height,
    fps: round3(video.nb_samples / seconds),
    bytes,
  };
}

/** Refuses bytes that are not an MP4, saying what they are. */
async function requireMp4(head: Buffer, name: string): Promise<void> {
  if (head.length === 0) throw invalidArgument('video', name, `It is empty; ${MP4}.`);
  const { fileTypeFromBuffer } = await import('file-type');
  const sniffed = (await fileTypeFromBuffer(head))?.mime;
  if (sniffed !== 'video/mp4') {
    throw invalidArgument('video', name, `Its bytes are ${sniffed ?? 'not a recognised format'}; ${MP4}.`);
  }
}

/** The byte just past the last frame of any track, from the sample tables: more than the file holds = truncated. */
function framesEnd(
  file: { getTrackSamplesInfo(id: number): Array<{ offset: number; size: number }> },
  movie: Movie,
) {
  let end = 0;
  for (const track of movie.tracks) {
    for (const sample of file.getTrackSamplesInfo(track.id)) end = Math.max(end, sample.offset + sample.size);
  }
  return end;
}

const limit = (maxBytes: number): string =>
  `input videos may be at most ${maxBytes} bytes (MAX_VIDEO_BYTES).`;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
