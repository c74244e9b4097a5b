import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type MultipartUpload, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Store, type MetadataValue } from '@tus/s3-store';
import { Upload, type KvStore } from '@tus/server';

/**
 * No cache of tus's upload metadata: every instance reads `<id>.info` from the bucket, so a
 * client resuming on another instance (or after a restart) sees the same state, and nothing
 * piles up in memory for uploads that are never finished.
 */
const noCache: KvStore<MetadataValue> = {
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/**
 * tus's S3Store with every object under a folder: upload `<id>` is the multipart upload and
 * later the object `<folder>/<id>`, its metadata `<folder>/<id>.info`, and bytes short of a part
 * `<folder>/<id>.part`. Ids seen by tus (and by the files code) stay bare.
 */
export class FolderS3Store extends S3Store {
  private readonly folder: string;

  constructor(config: S3ClientConfig & { bucket: string }, folder: string) {
    // Expired uploads are removed by the files cleanup job (rows first), not by tus.
    super({ s3ClientConfig: config, cache: noCache, expirationPeriodInMilliseconds: 0, useTags: false });
    this.folder = folder;
  }

  private keyOf(id: string): string {
    return `${this.folder}/${id}`;
  }

  override async create(upload: Upload): Promise<Upload> {
    const created = await super.create(new Upload({ ...upload, id: this.keyOf(upload.id) }));
    // tus finishes an empty upload at creation without a write, which is where S3Store completes
    // the multipart upload: complete it here, or the empty file would never exist.
    if (upload.size === 0) await super.write(Readable.from([]), this.keyOf(upload.id), 0);
    return new Upload({ ...created, id: upload.id });
  }

  override write(readable: Readable, id: string, offset: number): Promise<number> {
    return super.write(readable, this.keyOf(id), offset);
  }

  override async getUpload(id: string): Promise<Upload> {
    const upload = await super.getUpload(this.keyOf(id));
    return new Upload({ ...upload, id });
  }

  override declareUploadLength(id: string, length: number): Promise<void> {
    return super.declareUploadLength(this.keyOf(id), length);
  }

  override remove(id: string): Promise<void> {
    return super.remove(this.keyOf(id));
  }

  override read(id: string): Promise<Readable> {
    return super.read(this.keyOf(id));
  }

  /** Closes the store's own S3 client (S3Store makes one of its own from the config). */
  close(): void {
    this.client.destroy();
  }
}

/** S3's answer for an object or multipart upload that is not there (any more). */
export function isGone(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404 || name === 'NoSuchUpload' || name === 'NoSuchKey';
}

/** Every multipart upload whose key starts with `prefix`, never completed nor aborted. */
export async function listMultipartUploads(client: S3Client, bucket: string, prefix: string): Promise<MultipartUpload[]> {
  const found: MultipartUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    found.push(...(page.Uploads ?? []));
    if (!page.IsTruncated) return found;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/**
 * Aborts the multipart uploads of exactly `key` (S3 keeps their parts, and bills them, until
 * then). One completed or aborted between the listing and its abort is gone already: done.
 */
export async function abortMultipartUploads(client: S3Client, bucket: string, key: string): Promise<void> {
  for (const upload of await listMultipartUploads(client, bucket, key)) {
    if (upload.Key !== key) continue;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
