import { createHash } from 'node:crypto';
import { files } from '@chorus/db';
import type { AppDeps } from '../../deps';
import { readImageFacts, THUMBNAIL_MIME } from '../../files/images';
import { sniffMimeType } from '../../files/sniff';
import { removeStoredFile } from '../../files/cleanup.job';
import { derivedFolderOf, uploadKeyOf } from '../../files/storage';
import { newFileId } from '../../files/tus-server';
import { fetchLimited } from './page-fetch';

/** What chats show inline (never SVG, which can carry script). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif', 'image/avif': 'avif' };

type ImageDeps = Pick<AppDeps, 'db' | 'files' | 'previews' | 'clock'>;

/**
 * Fetches a page's image through the guard and stores it as a ready file of `ownerId`, with
 * its dimensions and a thumbnail like an uploaded image; readers then download it from us and
 * never contact the site. Null when it is not an image we show, too large, or undecodable.
 */
export async function storePreviewImage(deps: ImageDeps, ownerId: number, imageUrl: string): Promise<string | null> {
  const { settings, fetch } = deps.previews;
  const fetched = await fetchLimited({ fetch, timeoutMs: settings.timeoutMs, maxRedirects: settings.maxRedirects }, imageUrl, {
    accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif',
    accepts: (type) => IMAGE_TYPES.has(type.split(';')[0]!.trim()),
    maxBytes: settings.maxImageBytes,
    truncateOk: false,
  });
  return storeImageBytes(deps, ownerId, fetched.body);
}

/**
 * A copy, owned by `ownerId`, of a preview image stored for another sender (a cached preview
 * reused): a file names its owner to whoever may read it (`files.get`), so sharing the first
 * sender's file would tell another conversation who sent that link before, and that sender's
 * `files.delete` would take the image from everyone's previews.
 */
export async function copyPreviewImage(deps: ImageDeps, ownerId: number, storageKey: string): Promise<string | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of deps.files.storage.createReadStream(storageKey)) chunks.push(chunk as Buffer);
  return storeImageBytes(deps, ownerId, Buffer.concat(chunks));
}

async function storeImageBytes(deps: ImageDeps, ownerId: number, body: Buffer): Promise<string | null> {
  // The header is the site's claim; the bytes decide.
  const mimeType = await sniffMimeType(body.subarray(0, 64 * 1024), body.length <= 64 * 1024);
  if (!IMAGE_TYPES.has(mimeType)) return null;

  const { storage } = deps.files;
  const id = newFileId();
  // Where an upload's bytes live: deleting the file, and the cleanup of files whose row is gone
  // (their owner deleted), treat it like any upload.
  const storageKey = uploadKeyOf(id);
  await storage.writeDerived(storageKey, body);
  try {
    const facts = await readImageFacts(storage, storageKey);
    if (!facts) {
      await removeStoredFile(storage, id);
      return null;
    }
    let variants = null;
    if (facts.thumbnail) {
      const thumbnailKey = `${derivedFolderOf(id)}/thumbnail.webp`;
      await storage.writeDerived(thumbnailKey, facts.thumbnail.data);
      const { width, height, data } = facts.thumbnail;
      variants = { thumbnail: { storageKey: thumbnailKey, width, height, size: data.length, mimeType: THUMBNAIL_MIME } };
    }
    const now = deps.clock.now();
    await deps.db.insert(files).values({
      id,
      ownerId,
      name: `link-preview.${EXTENSIONS[mimeType]}`,
      size: body.length,
      receivedBytes: body.length,
      mimeType,
      width: facts.width,
      height: facts.height,
      sha256: createHash('sha256').update(body).digest('hex'),
      status: 'ready',
      storageKey,
      variants,
      createdAt: now,
      completedAt: now,
    });
    return id;
  } catch (error) {
    // Without its row nothing points at the bytes: remove them rather than leave an orphan.
    await removeStoredFile(storage, id).catch(() => {});
    throw error;
  }
}
