import { messages, users, type TLinkPreview, type TMessageRow } from '@chorus/db';
import { and, eq, isNull } from 'drizzle-orm';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps';
import { findFile } from '../../files/access';
import { shareFile } from '../attachments';
import { appendConversationEvent } from '../conversation-log';
import { withReactions } from '../message.mapper';
import { linksIn } from './link-urls';
import { fetchLimited, PreviewFetchError } from './page-fetch';
import { decodePage, readPageMeta } from './page-meta';
import { cachePreview, readCachedPreview, type CachedPreview } from './preview-cache';
import { copyPreviewImage, storePreviewImage } from './preview-image';
import { lockConversation } from '../conversation-lock';

type PreviewDeps = Pick<AppDeps, 'db' | 'redis' | 'files' | 'previews' | 'clock' | 'logger' | 'realtime' | 'limiters'>;

/** A failure that may pass (timeout, refused connection, 5xx) is remembered this long, not a day. */
const RETRY_AFTER_FAILURE_MS = 10 * 60 * 1000;

const HTML = /^(text\/html|application\/xhtml\+xml)\s*(;|$)/;

/**
 * After a send committed: unless the message opted out or its sender turned previews off, the
 * first of its links (up to `maxLinksPerMessage`) that has metadata becomes its preview.
 * Queued on this instance; `sendMessage` never waits for it.
 */
export function schedulePreview(deps: PreviewDeps, message: Pick<TMessageRow, 'id' | 'senderId' | 'text'>): void {
  const { settings, queue } = deps.previews;
  if (!settings.enabled || !message.text || linksIn(message.text, 1).length === 0) return;
  queue.push(() => previewMessage(deps, message.id));
}

export async function previewMessage(deps: PreviewDeps, messageId: number): Promise<void> {
  const [row] = await deps.db
    .select({ message: messages, linkPreviews: users.linkPreviews })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.senderId))
    .where(eq(messages.id, messageId))
    .limit(1);
  if (!row || !row.linkPreviews || row.message.deletedAt || row.message.preview || !row.message.text) return;
  for (const link of linksIn(row.message.text, deps.previews.settings.maxLinksPerMessage)) {
    const preview = await previewOf(deps, link, row.message.senderId);
    if (preview) return attachPreview(deps, row.message, preview);
  }
}

/**
 * The link's preview from the cache, or fetched once (per instance at a time) and cached. Jobs
 * for one link share one lookup from its start, the cache read included: a job that checked
 * for a running fetch only after an await could miss one that started or ended meanwhile, and
 * fetch the link again. A lookup whose sender had no fetches left gives nothing: the jobs that
 * waited for it try again, one of them leading a new lookup for its own sender.
 */
async function previewOf(deps: PreviewDeps, link: string, ownerId: number): Promise<CachedPreview> {
  const running = deps.previews.inFlight;
  for (;;) {
    let lookup = running.get(link);
    const leads = !lookup;
    if (!lookup) {
      const started = cachedOrFetched(deps, link, ownerId).finally(() => {
        if (running.get(link) === started) running.delete(link);
      });
      running.set(link, (lookup = started));
    }
    const preview = await lookup;
    if (preview !== undefined) return preview && withOwnImage(deps, preview, ownerId);
    if (leads) return null;
  }
}

/** Undefined: not cached, and the sender's fetches are used up (nothing is cached then). */
async function cachedOrFetched(deps: PreviewDeps, link: string, ownerId: number): Promise<CachedPreview | undefined> {
  const cached = await readCachedPreview(deps.redis, link);
  if (cached !== undefined) return cached;
  if (!(await mayFetch(deps, ownerId, link))) return undefined;
  return fetchPreview(deps, link, ownerId);
}

/**
 * Whether the sender has fetches left (linkPreviewFetchesPerUser): any user can make the server
 * fetch any site, so one user's messages must not turn it into a crawler or fill the queue for
 * everyone. Over the limit the link goes without a preview, and nothing is cached: sent again
 * later, or by someone else, it is fetched then.
 */
async function mayFetch(deps: PreviewDeps, ownerId: number, link: string): Promise<boolean> {
  try {
    await deps.limiters.linkPreviewFetchesPerUser.consume(String(ownerId));
    return true;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    logSkip(deps, link, new Error('the sender’s preview fetches are used up for now'));
    return false;
  }
}

/**
 * A preview made for another sender, for this one: its image may have been deleted by its owner
 * since (then it goes without), and an image of someone else's is copied to the sender's own file
 * (see copyPreviewImage) from storage, without contacting the site again.
 */
async function withOwnImage(deps: PreviewDeps, preview: TLinkPreview, ownerId: number): Promise<TLinkPreview> {
  if (!preview.imageFileId) return preview;
  const { imageFileId, ...rest } = preview;
  const file = await findFile(deps.db, imageFileId);
  if (!file || file.status !== 'ready') return rest;
  if (file.ownerId === ownerId) return preview;
  const copy = await copyPreviewImage(deps, ownerId, file.storageKey).catch((error: unknown) => logSkip(deps, preview.url, error));
  return copy ? { ...rest, imageFileId: copy } : rest;
}

async function fetchPreview(deps: PreviewDeps, link: string, ownerId: number): Promise<CachedPreview> {
  const { settings, fetch } = deps.previews;
  let preview: CachedPreview = null;
  try {
    const page = await fetchLimited({ fetch, timeoutMs: settings.timeoutMs, maxRedirects: settings.maxRedirects }, link, {
      accept: 'text/html,application/xhtml+xml;q=0.9',
      accepts: (type) => HTML.test(type),
      maxBytes: settings.maxPageBytes,
      truncateOk: true,
    });
    const meta = readPageMeta(decodePage(page.contentType, page.body), page.url);
    if (meta.title || meta.description) {
      const imageFileId = meta.imageUrl
        ? await storePreviewImage(deps, ownerId, meta.imageUrl).catch((error: unknown) => logSkip(deps, meta.imageUrl!, error))
        : null;
      preview = { url: link, title: meta.title, description: meta.description, siteName: meta.siteName, ...(imageFileId ? { imageFileId } : {}) };
    }
  } catch (error) {
    logSkip(deps, link, error);
    // A page that is not HTML stays so; a timeout or a refused connection may not.
    if (!(error instanceof PreviewFetchError) || error.reason === 'status') {
      await cachePreview(deps.redis, link, null, Math.min(settings.cacheTtlMs, RETRY_AFTER_FAILURE_MS));
      return null;
    }
  }
  await cachePreview(deps.redis, link, preview, settings.cacheTtlMs);
  return preview;
}

function logSkip(deps: PreviewDeps, url: string, error: unknown): null {
  // The host only: paths and queries of shared links may carry tokens.
  const host = URL.canParse(url) ? new URL(url).host : '';
  deps.logger.info({ host, reason: error instanceof Error ? error.message : String(error) }, 'link preview skipped');
  return null;
}

/**
 * Stores the preview on the message (unless it was deleted or got one meanwhile), lets the
 * conversation's members read its image like an attachment, and tells them with
 * `message.updated`, all in one transaction.
 */
async function attachPreview(deps: PreviewDeps, message: TMessageRow, preview: TLinkPreview): Promise<void> {
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, message.conversationId);
    const [result] = await tx
      .update(messages)
      .set({ preview })
      .where(and(eq(messages.id, message.id), isNull(messages.deletedAt), isNull(messages.preview)));
    if (result.affectedRows === 0) return null;
    const [current] = await tx.select().from(messages).where(eq(messages.id, message.id)).limit(1);
    if (preview.imageFileId) await shareFile(tx, preview.imageFileId, message.conversationId, message.id, now);
    const [updated] = await withReactions(tx, [current!]);
    return appendConversationEvent(tx, now, message.conversationId, { type: 'message.updated', message: updated! });
  });
  if (event) await deps.realtime.publishConversationEvent(event);
}
