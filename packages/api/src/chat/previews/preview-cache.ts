import { createHash } from 'node:crypto';
import type { TLinkPreview } from '@chorus/db';
import type { RedisClient } from '../../redis-client';

/** A link's preview, or null: the link has none (not HTML, no metadata, or the fetch failed). */
export type CachedPreview = TLinkPreview | null;

const keyOf = (link: string) => `chorus:{link-preview}:${createHash('sha256').update(link).digest('base64url')}`;

/**
 * Previews per link in Redis, shared by every instance, so a link sent again (anywhere, by
 * anyone) within the TTL is not fetched again. Undefined: not cached.
 */
export async function readCachedPreview(redis: RedisClient, link: string): Promise<CachedPreview | undefined> {
  const raw = await redis.get(keyOf(link));
  if (raw === null) return undefined;
  return (JSON.parse(raw) as { preview: CachedPreview }).preview;
}

export async function cachePreview(redis: RedisClient, link: string, preview: CachedPreview, ttlMs: number): Promise<void> {
  await redis.set(keyOf(link), JSON.stringify({ preview }), 'PX', Math.max(1, Math.round(ttlMs)));
}
