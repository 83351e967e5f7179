// Input images for image-to-video: from gs://, https://, a data: URL or raw base64. Bytes are size-capped and their
// type is read from magic bytes (file-type), never trusted from a name or header. Private addresses are never fetched.
import { createHash } from 'node:crypto';
import type { WireApi } from '../operations/record.js';
import { AppError, invalidArgument } from '../errors.js';
import { EgressError, egressFetch, type EgressOptions } from '../net/egress.js';
import type { ImageInput } from '../operations/ports.js';

export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** Caps on fetching a caller's https media (images here, input videos in input-video.ts). */
const FETCH_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
/** gs://BUCKET/OBJECT, with a bucket name GCS allows. */
export const GCS_OBJECT_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]\/.+/;

export interface ImageOptions {
  api: WireApi;
  maxBytes: number;
  /** Where https images may be fetched from (net/egress.ts); tests inject a resolver and a CA. */
  egress?: EgressOptions;
  /** The argument errors name: 'image' (default), 'last_frame', 'reference_images[1]', … */
  field?: string;
  /** This deployment's own storage (request.ts PrepareOptions.ownStorage): gs:// images there are refused. */
  ownStorage?: string;
}

const ALLOWED_SOURCES =
  'Give a gs:// URI (vertex backend), an https:// URL, a data:image/...;base64 URL, or raw base64 with image_mime_type.';

/** Turns the caller's image argument into bytes or a URI Veo can read; throws INVALID_ARGUMENT on anything else. */
export async function resolveImage(
  image: string,
  declaredMimeType: string | undefined,
  options: ImageOptions,
): Promise<ImageInput> {
  const value = image.trim();
  const field = options.field ?? 'image';
  if (declaredMimeType !== undefined && !(IMAGE_MIME_TYPES as readonly string[]).includes(declaredMimeType)) {
    throw invalidArgument('image_mime_type', declaredMimeType, `Allowed: ${IMAGE_MIME_TYPES.join(', ')}.`);
  }
  if (value.startsWith('gs://')) {
    if (options.ownStorage && value.startsWith(options.ownStorage)) {
      throw invalidArgument(
        field,
        value,
        `It is in this service's output bucket (${options.ownStorage}), which holds every caller's files; give an ` +
          'image in another bucket, an https:// URL, a data: URL or base64.',
      );
    }
    return gcsImage(value, declaredMimeType, options.api, field);
  }
  if (/^https:\/\//i.test(value)) {
    const bytes = await fetchCallerMedia(
      value,
      {
        field,
        noun: 'image',
        sizeLimit: `Images may be at most ${options.maxBytes} bytes (MAX_IMAGE_BYTES)`,
      },
      options.maxBytes,
      options.egress,
    );
    return inlineImage(bytes, declaredMimeType, field, 'https', value);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw invalidArgument(field, value, `Only https:// and gs:// URLs are fetched. ${ALLOWED_SOURCES}`);
  }
  if (value.startsWith('data:')) {
    const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(value);
    if (!match || !match[2])
      throw invalidArgument(field, value, `A data: URL must be base64 encoded. ${ALLOWED_SOURCES}`);
    return inlineImage(
      decodeBase64(match[3]!, options.maxBytes, field),
      declaredMimeType ?? (match[1] || undefined),
      field,
      'inline',
    );
  }
  return inlineImage(decodeBase64(value, options.maxBytes, field), declaredMimeType, field, 'inline');
}

function gcsImage(
  uri: string,
  declaredMimeType: string | undefined,
  api: WireApi,
  field: string,
): ImageInput {
  if (!GCS_OBJECT_URI.test(uri)) {
    throw invalidArgument(field, uri, 'A gs:// URI must name a bucket and an object: gs://BUCKET/OBJECT.');
  }
  if (api !== 'vertex') {
    throw invalidArgument(
      field,
      uri,
      `gs:// images are read by Veo itself only on the vertex backend. ${ALLOWED_SOURCES}`,
    );
  }
  const byExtension = /\.png$/i.test(uri)
    ? 'image/png'
    : /\.jpe?g$/i.test(uri)
      ? 'image/jpeg'
      : /\.webp$/i.test(uri)
        ? 'image/webp'
        : undefined;
  const mimeType = declaredMimeType ?? byExtension;
  if (!mimeType) {
    throw invalidArgument(
      'image_mime_type',
      undefined,
      `Required for ${uri}: allowed ${IMAGE_MIME_TYPES.join(', ')}.`,
    );
  }
  return { reference: { source: 'gcs', uri, mimeType } };
}

function decodeBase64(text: string, maxBytes: number, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw invalidArgument(field, text, `It is not a URL and not valid base64. ${ALLOWED_SOURCES}`);
  }
  // Refuse before decoding: the decoded size is known from the text length.
  const decodedSize = Math.floor((compact.length * 3) / 4) - (compact.match(/=+$/)?.[0].length ?? 0);
  if (decodedSize > maxBytes) throw tooLarge(decodedSize, maxBytes, field);
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes, field);
  return bytes;
}

const tooLarge = (size: number, maxBytes: number, field: string): AppError =>
  invalidArgument(field, `${size} bytes`, `Images may be at most ${maxBytes} bytes (MAX_IMAGE_BYTES).`);

async function inlineImage(
  bytes: Buffer,
  declaredMimeType: string | undefined,
  field: string,
  source: 'https' | 'inline',
  uri?: string,
): Promise<ImageInput> {
  // Loaded on first use: most requests carry no image, and cold starts should not pay for the sniffer.
  const { fileTypeFromBuffer } = await import('file-type');
  const sniffed = (await fileTypeFromBuffer(bytes))?.mime;
  if (!sniffed || !(IMAGE_MIME_TYPES as readonly string[]).includes(sniffed)) {
    throw invalidArgument(
      field,
      uri ?? `${bytes.length} bytes`,
      `The bytes are ${sniffed ?? 'not a recognised image'}; allowed: ${IMAGE_MIME_TYPES.join(', ')}.`,
    );
  }
  if (declaredMimeType && declaredMimeType !== sniffed) {
    throw invalidArgument(
      'image_mime_type',
      declaredMimeType,
      `The image bytes are ${sniffed}; omit image_mime_type or pass ${sniffed}.`,
    );
  }
  return {
    reference: {
      source,
      uri,
      mimeType: sniffed,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
    base64: bytes.toString('base64'),
  };
}

/** How refusals of a fetched medium read: its argument, and the size limit with the setting that sets it. */
export interface MediaKind {
  /** The argument refusals name: image, last_frame, reference_images[1], video. */
  field: string;
  /** What the URL must return (default: the field). */
  noun?: 'image' | 'video';
  /** e.g. "Images may be at most 10485760 bytes (MAX_IMAGE_BYTES)". */
  sizeLimit: string;
}

/**
 * Fetches a caller's https media (an image here, an input video in input-video.ts) through net/egress.ts, up to
 * `maxBytes`; refusals are INVALID_ARGUMENT naming the field.
 */
export async function fetchCallerMedia(
  url: string,
  kind: MediaKind,
  maxBytes: number,
  egress: EgressOptions = {},
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<Buffer> {
  let response;
  try {
    response = await egressFetch(
      url,
      { method: 'GET' },
      { maxBytes, timeoutMs, maxRedirects: MAX_REDIRECTS },
      egress,
    );
  } catch (err) {
    if (!(err instanceof EgressError)) throw err;
    throw invalidArgument(
      kind.field,
      url,
      err.kind === 'refused'
        ? `It is not fetched: ${err.message}. ${kind.sizeLimit}, from public https hosts.`
        : `It could not be fetched (${err.message}); the URL must be reachable over https.`,
    );
  }
  if (response.status < 200 || response.status >= 300) {
    throw invalidArgument(
      kind.field,
      url,
      `Fetching it answered HTTP ${response.status}; the URL must return the ${kind.noun ?? kind.field}.`,
    );
  }
  return response.body;
}
