// Key families whose scripts once spanned slots, on a real Redis Cluster (three primaries): a
// cross-slot script or MULTI fails there with CROSSSLOT, so passing here shows each touches one tag.
import { connectTestRedis, createShiftableClock, startTestRedisCluster } from '@chorus/testing';
import type { Cluster } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiters, consumeOrThrow, defaultRateLimits } from './auth/rate-limits';
import { PresenceTracker } from './realtime/presence';
import { acquireSlot } from './ai/generation/slots';

let cluster: Awaited<ReturnType<typeof startTestRedisCluster>>;
let redis: Cluster;

beforeAll(async () => {
  cluster = await startTestRedisCluster({ replicasPerPrimary: 0 });
  redis = connectTestRedis(cluster.url) as Cluster;
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

describe('key families on a Redis Cluster', () => {
  it('presence: users on different primaries come online, go away, and a dead instance is swept', async () => {
    const clock = createShiftableClock();
    const logger = pino({ level: 'silent' });
    const live = new PresenceTracker(redis, clock, logger);
    const dying = new PresenceTracker(redis, clock, logger);
    const changed: number[] = [];
    live.onChange = (userId) => changed.push(userId);
    try {
      // Users 1..6 spread over the three primaries' slots.
      const userIds = [1, 2, 3, 4, 5, 6];
      const release = await live.connect(1);
      await Promise.all(userIds.slice(1).map((userId) => dying.connect(userId)));
      await live.setAway(1, true);
      expect((await live.statusOf(userIds)).map((view) => view.status)).toEqual(['away', 'online', 'online', 'online', 'online', 'online']);

      // `dying` stops refreshing; after the TTL the live instance's sweep ends its users only.
      changed.length = 0;
      clock.advance(30_000);
      await live.heartbeat();
      clock.advance(20_000);
      await live.sweep();
      expect(changed.sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6]);
      const after = await live.statusOf(userIds);
      expect(after.map((view) => view.status)).toEqual(['away', 'offline', 'offline', 'offline', 'offline', 'offline']);
      expect(after[1]!.lastSeenAt!.getTime()).toBeGreaterThan(clock.now().getTime() - 5000);

      await release();
      expect((await live.statusOf([1]))[0]).toMatchObject({ status: 'offline', lastSeenAt: expect.any(Date) as Date });
    } finally {
      await Promise.all([live.close(), dying.close()]);
    }
  });

  it('rate limits and generation slots: counted per key, refused past the limit', async () => {
    const limiters = createRateLimiters(redis, { ...defaultRateLimits, loginPerIp: { points: 2, seconds: 60 } });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      await consumeOrThrow(limiters.loginPerIp, ip);
      await consumeOrThrow(limiters.loginPerIp, ip);
      await expect(consumeOrThrow(limiters.loginPerIp, ip)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    }
    const slot = await acquireSlot(redis, 7, 1, Date.now());
    await expect(acquireSlot(redis, 7, 1, Date.now())).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await slot.release();
    await (await acquireSlot(redis, 7, 1, Date.now())).release();
  });
});
