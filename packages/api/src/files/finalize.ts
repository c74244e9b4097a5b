import { createHash } from 'node:crypto';
import { files, type TFileRow } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { findFile } from './access';
import { readImageFacts, THUMBNAIL_MIME } from './images';
import { SNIFF_BYTES, sniffMimeType, THUMBNAIL_SOURCE_TYPES } from './sniff';
import { derivedFolderOf, type FileStorage } from './storage';

type Variants = NonNullable<TFileRow['variants']>;

/** One pass over the stored bytes: their SHA-256 and the head the type is told from. */
async function hashAndHead(storage: FileStorage, key: string): Promise<{ sha256: string; head: Buffer }> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of storage.createReadStream(key) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (headBytes < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - headBytes);
      head.push(part);
      headBytes += part.length;
    }
  }
  return { sha256: hash.digest('hex'), head: Buffer.concat(head) };
}

/**
 * Turns a complete upload into a ready file: type sniffed from its content, SHA-256 of the
 * stored bytes, and for images their dimensions and a thumbnail. Safe to call twice (the last
 * PATCH, and a HEAD finding a complete upload still marked uploading after a crash).
 */
export async function finalizeUpload(deps: Pick<AppDeps, 'db' | 'files' | 'clock' | 'logger'>, fileId: string): Promise<void> {
  const file = await findFile(deps.db, fileId);
  if (!file || file.status === 'ready') return;
  const { storage } = deps.files;
  const stored = await storage.stat(file.storageKey);
  if (!stored || stored.size !== file.size) {
    deps.logger.warn({ fileId, stored: stored?.size, declared: file.size }, 'upload finished with an unexpected size');
    return;
  }
  const { sha256, head } = await hashAndHead(storage, file.storageKey);
  const mimeType = await sniffMimeType(head, head.length === stored.size);
  let dimensions: { width: number; height: number } | null = null;
  let variants: Variants | null = null;
  if (THUMBNAIL_SOURCE_TYPES.has(mimeType)) {
    const facts = await readImageFacts(storage, file.storageKey);
    if (facts) dimensions = { width: facts.width, height: facts.height };
    if (facts?.thumbnail) {
      const storageKey = `${derivedFolderOf(file.id)}/thumbnail.webp`;
      await storage.writeDerived(storageKey, facts.thumbnail.data);
      const { width, height, data } = facts.thumbnail;
      variants = { thumbnail: { storageKey, width, height, size: data.length, mimeType: THUMBNAIL_MIME } };
    }
  }
  await deps.db
    .update(files)
    .set({
      status: 'ready',
      size: stored.size,
      receivedBytes: stored.size,
      mimeType,
      width: dimensions?.width ?? null,
      height: dimensions?.height ?? null,
      sha256,
      variants,
      completedAt: deps.clock.now(),
    })
    .where(and(eq(files.id, file.id), eq(files.status, 'uploading')));
  deps.logger.info({ fileId, size: stored.size, mimeType }, 'upload complete');
}
