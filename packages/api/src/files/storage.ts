import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';

/** An inclusive byte range, as HTTP `Range` names it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObject {
  size: number;
  modifiedAt: Date;
}

/** An upload found in storage, finished or not, with the last time it changed. */
export interface StoredUpload {
  id: string;
  modifiedAt: Date;
}

/**
 * Where file bytes live: local disk (local-storage.ts) or an S3-compatible bucket
 * (s3-storage.ts). Keys are relative paths of `[\w.-]` segments (`uploads/<id>`,
 * `derived/<id>/thumbnail.webp`). Uploads arrive through the driver's tus DataStore and end up
 * at `uploads/<id>`; everything else (reads, derived images, deletes) goes through the methods
 * here, so the files code never knows which driver it runs on.
 */
export interface FileStorage {
  readonly driver: 'local' | 's3';
  /** Local disk only: the directory upload `<id>` is written to as a file (benchmarks time it). */
  readonly uploadsDir?: string;
  /** The tus DataStore that writes upload `<id>` (resumable, from any instance) to key `uploads/<id>`. */
  readonly uploadStore: DataStore;
  /** A finished object (a complete upload or a derived image); null when there is none. */
  stat(key: string): Promise<StoredObject | null>;
  /** The object's bytes, or one range of them; a failure surfaces as the stream's error. */
  createReadStream(key: string, range?: ByteRange): Readable;
  /** Writes a whole (small) derived object, atomically: readers see the old object or the new one. */
  writeDerived(key: string, data: Buffer): Promise<void>;
  /** Removes the object and every object under `<key>/`; a missing key is fine. */
  delete(key: string): Promise<void>;
  /** Names directly under a folder key (e.g. `derived/<id>`), empty when it does not exist. */
  list(folderKey: string): Promise<string[]>;
  /** Bytes of upload `<id>` received so far, finished or not; null when there is no such upload. */
  uploadedBytes(fileId: string): Promise<number | null>;
  /** Every upload in storage, including unfinished ones (on S3, multipart uploads never completed). */
  listUploads(): Promise<StoredUpload[]>;
  /** Everything stored for upload `<id>`: its bytes, tus's bookkeeping, an unfinished multipart upload. */
  deleteUpload(fileId: string): Promise<void>;
  /** Releases connections; the storage is not used afterwards. */
  close(): Promise<void>;
}

export const UPLOADS_FOLDER = 'uploads';
const KEY = /^[\w.-]+(\/[\w.-]+)*$/;

export const uploadKeyOf = (fileId: string) => `${UPLOADS_FOLDER}/${fileId}`;
export const derivedFolderOf = (fileId: string) => `derived/${fileId}`;

/** Throws for anything but a relative key of `[\w.-]` segments (no `.`/`..`). */
export function assertKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) throw new Error(`invalid storage key: ${key}`);
  return key;
}

/** Upload ids as the files code makes them (url-safe base64); tus's own file names are skipped. */
export const UPLOAD_ID = /^[\w-]{1,32}$/;
