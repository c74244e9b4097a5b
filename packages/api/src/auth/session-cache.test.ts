import { describe, expect, it } from 'vitest';
import { SessionCache } from './session-cache';

const entry = (userId: number, readAt: number) => ({ secretHash: 'h', session: { userId }, userId, readAt });

function liveCache(ttlMs = 1000, maxEntries = 10) {
  const cache = new SessionCache<{ userId: number }>({ ttlMs, maxEntries });
  cache.setLive(true);
  return cache;
}

describe('SessionCache', () => {
  it('serves an entry until it is ttlMs old, and never one from the future', () => {
    const cache = liveCache(1000);
    cache.set('s1', entry(1, 5000), cache.readStarted());
    expect(cache.get('s1', 5999)?.userId).toBe(1);
    expect(cache.get('s1', 6000)).toBeUndefined();
    cache.set('s2', entry(1, 5000), cache.readStarted());
    expect(cache.get('s2', 4999)).toBeUndefined();
  });

  it('keeps nothing while invalidations may be missed, nor a read that began then', () => {
    const cache = liveCache();
    cache.set('s1', entry(1, 0), cache.readStarted());
    cache.setLive(false);
    expect(cache.get('s1', 1)).toBeUndefined();
    cache.set('s2', entry(1, 0), cache.readStarted());
    expect(cache.size).toBe(0);
    // A read that began while the subscription was down and ends after it is back.
    const startedWhileDown = cache.readStarted();
    cache.setLive(true);
    cache.set('s3', entry(1, 0), startedWhileDown);
    expect(cache.get('s3', 1)).toBeUndefined();
    cache.set('s3', entry(1, 0), cache.readStarted());
    expect(cache.get('s3', 1)).toBeDefined();
  });

  it('does not cache a read that began before an invalidation', () => {
    const cache = liveCache();
    const started = cache.readStarted();
    cache.forgetSessions(['s1']);
    cache.set('s1', entry(1, 0), started);
    expect(cache.get('s1', 1)).toBeUndefined();
    cache.set('s1', entry(1, 0), cache.readStarted());
    expect(cache.get('s1', 1)).toBeDefined();
  });

  it("forgets a user's sessions, and only theirs", () => {
    const cache = liveCache();
    cache.set('a1', entry(1, 0), cache.readStarted());
    cache.set('a2', entry(1, 0), cache.readStarted());
    cache.set('b1', entry(2, 0), cache.readStarted());
    cache.forgetUser(1);
    expect([cache.get('a1', 1), cache.get('a2', 1)]).toEqual([undefined, undefined]);
    expect(cache.get('b1', 1)?.userId).toBe(2);
  });

  it('drops the oldest reads past maxEntries', () => {
    const cache = liveCache(1000, 2);
    for (const id of ['s1', 's2', 's3']) cache.set(id, entry(1, 0), cache.readStarted());
    expect(cache.size).toBe(2);
    expect(cache.get('s1', 1)).toBeUndefined();
    expect(cache.get('s3', 1)).toBeDefined();
  });
});
