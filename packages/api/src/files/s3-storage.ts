import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { abortMultipartUploads, FolderS3Store, isGone, listMultipartUploads } from './s3-uploads';
import { assertKey, UPLOAD_ID, UPLOADS_FOLDER, uploadKeyOf, type FileStorage, type StoredUpload } from './storage';

export interface S3Settings {
  /** e.g. https://s3.eu-west-1.amazonaws.com, https://<account>.r2.cloudflarestorage.com, http://minio:9000; AWS's own when unset. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint>/<key>` (MinIO and most self-hosted servers). */
  forcePathStyle?: boolean;
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (error: unknown) => (error instanceof Error ? error.name : String(error));

/**
 * An S3-compatible bucket (AWS S3, R2, MinIO, ...). The bucket is created when missing; a bucket
 * that cannot be reached or used fails here, at start, with a message naming the cause.
 */
export async function createS3Storage(settings: S3Settings, logger?: Logger): Promise<FileStorage> {
  const config: S3ClientConfig = {
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle ?? false,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Checksums only where the API demands them: S3, R2 and MinIO accept this, and servers that
    // do not understand the newer checksum trailers would otherwise store the encoded body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3Client(config);
  const Bucket = settings.bucket;
  try {
    await ensureBucket(client, Bucket, logger);
  } catch (error) {
    client.destroy();
    throw error;
  }
  const uploadStore = new FolderS3Store({ ...config, bucket: Bucket }, UPLOADS_FOLDER);

  const stat = async (key: string) => {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: assertKey(key) }));
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  };
  /** Deletes one object; one that is not there is fine (S3 says so with 204, some servers with 404). */
  const deleteObject = async (key: string) => {
    try {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  };
  /** Every object under `prefix` (one level when `delimiter`), page by page. */
  async function listObjects(prefix: string, delimiter?: string) {
    const objects: { key: string; modifiedAt: Date }[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
      for (const object of page.Contents ?? []) objects.push({ key: object.Key!, modifiedAt: object.LastModified ?? new Date(0) });
      for (const folder of page.CommonPrefixes ?? []) folders.push(folder.Prefix!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { objects, folders };
  }

  return {
    driver: 's3',
    uploadStore,
    stat,
    createReadStream(key, range) {
      // The stream is handed out at once; the object's body (or the request's error) follows.
      const out = new PassThrough();
      const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
      client
        .send(new GetObjectCommand({ Bucket, Key: assertKey(key), Range }))
        .then(({ Body }) => pipeline(Body as Readable, out))
        .catch((error: unknown) => out.destroy(error as Error));
      return out;
    },
    async writeDerived(key, data) {
      await client.send(new PutObjectCommand({ Bucket, Key: assertKey(key), Body: data }));
    },
    async delete(key) {
      await deleteObject(assertKey(key));
      for (const { key: inside } of (await listObjects(`${key}/`)).objects) await deleteObject(inside);
    },
    async list(folderKey) {
      const prefix = `${assertKey(folderKey)}/`;
      const { objects, folders } = await listObjects(prefix, '/');
      return [...objects.map((object) => object.key.slice(prefix.length)), ...folders.map((folder) => folder.slice(prefix.length, -1))];
    },
    async uploadedBytes(fileId) {
      try {
        return (await uploadStore.getUpload(assertKey(fileId))).offset;
      } catch {
        return (await stat(uploadKeyOf(fileId)))?.size ?? null;
      }
    },
    async listUploads() {
      const prefix = `${UPLOADS_FOLDER}/`;
      const found = new Map<string, StoredUpload>();
      const see = (key: string, modifiedAt: Date) => {
        // `<id>`, `<id>.info` and `<id>.part` are one upload.
        const id = key.slice(prefix.length).split('.')[0]!;
        const seen = found.get(id);
        if (UPLOAD_ID.test(id) && (!seen || seen.modifiedAt < modifiedAt)) found.set(id, { id, modifiedAt });
      };
      for (const object of (await listObjects(prefix)).objects) see(object.key, object.modifiedAt);
      for (const upload of await listMultipartUploads(client, Bucket, prefix)) see(upload.Key!, upload.Initiated ?? new Date(0));
      return [...found.values()];
    },
    async deleteUpload(fileId) {
      const key = uploadKeyOf(assertKey(fileId));
      await abortMultipartUploads(client, Bucket, key);
      await deleteObject(`${key}.part`);
      await deleteObject(`${key}.info`);
      await deleteObject(key);
    },
    async close() {
      uploadStore.close();
      client.destroy();
    },
  };
}

/** Makes sure the bucket exists and the credentials may use it; creates it when missing. */
async function ensureBucket(client: S3Client, Bucket: string, logger?: Logger): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket }));
    return;
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 401 || status === 400)
      throw new Error(
        `S3 refused access to bucket "${Bucket}" (HTTP ${status} ${nameOf(error)}): check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and the key's permissions`,
        { cause: error },
      );
    if (status !== 404) throw new Error(`S3 endpoint unreachable for bucket "${Bucket}" (${nameOf(error)}: ${(error as Error).message})`, { cause: error });
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket }));
    logger?.info({ bucket: Bucket }, 'S3 bucket created');
  } catch (error) {
    if (nameOf(error) === 'BucketAlreadyOwnedByYou') return;
    throw new Error(`S3 bucket "${Bucket}" does not exist and could not be created (${nameOf(error)}): create it, or allow the key s3:CreateBucket`, {
      cause: error,
    });
  }
}
