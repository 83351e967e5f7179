// GCS BlobStore: outputs live at gs://OUTPUT_BUCKET/{prefix}/{operationId}/. Vertex writes them there itself
// (outputGcsUri); other outputs are streamed in by the poller, never held whole in memory. Links are V4 signed
// GET URLs — signed with the service-account key when there is one, else through IAM signBlob (needs
// roles/iam.serviceAccountTokenCreator on the function's own service account). With STORAGE_EMULATOR_HOST set, the
// Storage client is built with it as apiEndpoint (google-clients.ts): objects and signed URLs then use the emulator.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket, Storage } from '@google-cloud/storage';
import { AppError } from '../errors.js';
import type { BlobStore } from '../operations/ports.js';
import type { OperationOutput } from '../operations/record.js';

/** GCS caps V4 signed URLs at 7 days. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

export class GcsBlobStore implements BlobStore {
  private readonly bucket: Bucket;
  private readonly bucketName: string;

  constructor(storage: Storage, bucketName: string) {
    this.bucketName = bucketName;
    this.bucket = storage.bucket(bucketName);
  }

  /**
   * Streams `body` to a new object. Writes are create-only (ifGenerationMatch: 0): a repeated poll finds the video
   * it already stored and keeps it, so the functions need no permission to overwrite or delete objects.
   */
  async put(key: string, body: Readable | Buffer, mimeType: string): Promise<OperationOutput> {
    const file = this.bucket.file(key);
    const stream = file.createWriteStream({
      resumable: false,
      contentType: mimeType,
      validation: 'crc32c',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, stream);
    } catch (err) {
      if ((err as { code?: number }).code !== 412) throw err;
    }
    return (await this.stat(`gs://${this.bucketName}/${key}`))!;
  }

  async stat(uri: string): Promise<OperationOutput | undefined> {
    const { bucket, name } = parseGsUri(uri);
    try {
      const [metadata] = await this.bucket.storage.bucket(bucket).file(name).getMetadata();
      return { uri, mimeType: metadata.contentType ?? 'video/mp4', bytes: Number(metadata.size ?? 0) };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async read(uri: string): Promise<Buffer> {
    const { bucket, name } = parseGsUri(uri);
    const [bytes] = await this.bucket.storage.bucket(bucket).file(name).download();
    return bytes;
  }

  /**
   * Asks for the object's metadata first, so a missing object is a NOT_FOUND (and an unreadable one a
   * PERMISSION_DENIED) here rather than an error event on a stream the caller is already reading.
   */
  async openRead(uri: string): Promise<Readable> {
    const { bucket, name } = parseGsUri(uri);
    const file = this.bucket.storage.bucket(bucket).file(name);
    try {
      await file.getMetadata();
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 404) throw new AppError('NOT_FOUND', `No object ${uri}.`);
      if (code === 403) {
        throw new AppError(
          'PERMISSION_DENIED',
          `${uri} cannot be read by this service: its service account needs roles/storage.objectViewer on the bucket ${bucket}.`,
        );
      }
      throw err;
    }
    return file.createReadStream();
  }

  async signedUrl(uri: string, ttlSeconds: number): Promise<{ url: string; expiresAt: string }> {
    const { bucket, name } = parseGsUri(uri);
    const expires = Date.now() + Math.min(ttlSeconds, MAX_SIGNED_URL_SECONDS) * 1000;
    const [url] = await this.bucket.storage
      .bucket(bucket)
      .file(name)
      .getSignedUrl({ version: 'v4', action: 'read', expires });
    return { url, expiresAt: new Date(Math.floor(expires / 1000) * 1000).toISOString() };
  }

  outputUriFor(prefix: string): string {
    return `gs://${this.bucketName}/${prefix}`;
  }

  async listOutputs(prefix: string): Promise<OperationOutput[]> {
    const [files] = await this.bucket.getFiles({ prefix });
    return files
      .filter((f) => f.name.endsWith('.mp4'))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((f) => ({
        uri: `gs://${this.bucketName}/${f.name}`,
        mimeType: f.metadata.contentType ?? 'video/mp4',
        bytes: Number(f.metadata.size ?? 0),
      }));
  }
}

export function parseGsUri(uri: string): { bucket: string; name: string } {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new AppError('INTERNAL', `Not a gs:// object URI: ${uri}`);
  return { bucket: match[1]!, name: match[2]! };
}
