// The batched presence read (one script call per Redis node) against the per-user one, on the
// same data: every state a user's presence keys can be in. Also run on a Redis Cluster (the
// redis-cluster project), where the users' slots lie on three primaries.
import { connectTestRedis, createShiftableClock, startTestRedis } from '@chorus/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../redis-client';
import type { PresenceView } from './events';
import { PresenceTracker } from './presence';
import { connectionsKey, stateKey, statusMany, statusOfGroup, statusOne } from './presence-status';
import { groupByNode } from './slot-groups';

let service: Awaited<ReturnType<typeof startTestRedis>>;
let redis: RedisClient;

beforeAll(async () => {
  service = await startTestRedis();
  redis = connectTestRedis(service.url);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await service?.stop();
});

describe('presence status, batched', () => {
  it('answers for every user exactly what the per-user script does', async () => {
    const clock = createShiftableClock();
    const tracker = new PresenceTracker(redis, clock, pino({ level: 'silent' }));
    // Ids far from other tests' users; 40 of them fall on every primary of a cluster.
    const base = 7_310_000 + Math.floor(Math.random() * 1000) * 100;
    const ids = Array.from({ length: 40 }, (_, i) => base + i);
    try {
      const now = clock.now().getTime();
      for (const [i, id] of ids.entries()) {
        switch (i % 5) {
          case 0: // online (two connections)
            await tracker.connect(id);
            await tracker.connect(id);
            break;
          case 1: // away
            await tracker.connect(id);
            await tracker.setAway(id, true);
            break;
          case 2: // offline, seen before
            await (
              await tracker.connect(id)
            )();
            break;
          case 3: // only an expired connection left (its instance died), seen long ago
            await redis.zadd(connectionsKey(id), String(now - 1), 'dead');
            await redis.hset(stateKey(id), 'seen', String(now - 86_400_000));
            break;
          default: // never seen
        }
      }
      // The connections above came in a burst: the instance's lease was renewed for them (once
      // for the burst) and covers every one of them.
      const leases = await redis.zrange('chorus:{pinst}', 0, -1, 'WITHSCORES');
      expect(Math.max(...leases.filter((_, i) => i % 2 === 1).map(Number))).toBeGreaterThanOrEqual(now + 45_000 - 1000);
      const asked = [...ids, ids[0]!, ids[1]!];
      const each = await Promise.all(asked.map((id) => statusOne(redis, id, now)));
      const batched = await statusMany(redis, asked, now);
      expect(batched).toEqual(each);
      // Each node answered its users in one call (not through the per-user fallback).
      const groups = groupByNode(redis, asked, connectionsKey);
      if ('nodes' in redis) expect(groups.length).toBeGreaterThan(1);
      for (const group of groups) await expect(statusOfGroup(redis, group, now)).resolves.toHaveLength(group.length);
      // The states above, as the tracker's views.
      const views = await tracker.statusOf(ids.slice(0, 5));
      expect(views.map((view) => view.status)).toEqual(['online', 'away', 'offline', 'offline', 'offline']);
      // Online: now (the tracker's clock runs on); offline: when last seen; never seen: null.
      const seen = views.map((view) => view.lastSeenAt?.getTime() ?? null);
      for (const at of seen.slice(0, 3)) expect(at).toBeGreaterThanOrEqual(now);
      expect(seen.slice(3)).toEqual([now - 86_400_000, null]);
      expect(await statusMany(redis, [], now)).toEqual([]);

      // Calls of one turn share one read; each gets what it would have got alone (online users
      // seen "now", the moment of each read), in its own objects.
      const lists = [ids.slice(0, 10), ids.slice(5, 25), [ids[3]!, ids[3]!], ids, []];
      const alone: PresenceView[][] = [];
      for (const list of lists) alone.push(await tracker.statusOf(list));
      const before = clock.now().getTime();
      const together = await Promise.all(lists.map((list) => tracker.statusOf(list)));
      const nowSeen = (list: PresenceView[][]) =>
        list.map((views) => views.map((view) => ({ ...view, lastSeenAt: view.status === 'offline' ? view.lastSeenAt : 'now' })));
      expect(nowSeen(together)).toEqual(nowSeen(alone));
      for (const view of together.flat()) if (view.status !== 'offline') expect(view.lastSeenAt!.getTime()).toBeGreaterThanOrEqual(before);
      expect(together[2]![0]).not.toBe(together[2]![1]);
    } finally {
      await tracker.close();
    }
  });
});
