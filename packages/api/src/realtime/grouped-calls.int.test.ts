// The calls that cover many users at once, one script call per Redis node (slot-groups.ts), against
// the per-key calls they replace: the same keys end up the same, on one Redis and on a Redis Cluster
// of three primaries (users 1..40 spread over the three primaries' slots).
import { connectTestRedis, createShiftableClock, startTestRedis, startTestRedisCluster } from '@chorus/testing';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsKey } from './presence-status';
import { PresenceTracker } from './presence';
import { ROUTE_LEASE_MS, RouteLeases } from './route-leases';
import { getGroup, getMany, groupByNode, perNode } from './slot-groups';
import { userKeys } from './stream-keys';

const users = Array.from({ length: 40 }, (_, index) => index + 1);
const servers: { stop(): Promise<void> }[] = [];
const clients: Record<'one Redis' | 'Redis Cluster', Redis | Cluster> = {} as never;

beforeAll(async () => {
  const single = await startTestRedis();
  const cluster = await startTestRedisCluster({ replicasPerPrimary: 0 });
  servers.push(single, cluster);
  clients['one Redis'] = connectTestRedis(single.url);
  clients['Redis Cluster'] = connectTestRedis(cluster.url);
  await (clients['Redis Cluster'] as Cluster).get('warm-up: learn the slot map');
}, 60_000);
afterAll(async () => {
  for (const client of Object.values(clients)) client.disconnect();
  await Promise.all(servers.map((server) => server.stop()));
});

describe.each(['one Redis', 'Redis Cluster'] as const)('grouped calls on %s', (name) => {
  it('groups by node: one group on one Redis, one per primary on a cluster', () => {
    const groups = groupByNode(clients[name], users, (user) => userKeys(user).routes);
    expect(groups.length).toBe(name === 'one Redis' ? 1 : 3);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(users);
  });

  it('getMany answers what a GET of each key answers, missing keys as null', async () => {
    const redis = clients[name];
    const keys = users.map((user) => userKeys(user).head);
    await Promise.all(keys.filter((_, index) => index % 3 !== 0).map((key) => redis.set(key, `head of ${key}`)));
    const oneByOne = await Promise.all(keys.map((key) => redis.get(key)));
    expect(oneByOne.filter((value) => value === null).length).toBe(14);
    expect(await getMany(redis, keys)).toEqual(oneByOne);
    for (const group of groupByNode(redis, keys, (key) => key))
      expect(await getGroup(redis, group)).toEqual(await Promise.all(group.map((key) => redis.get(key))));
  });

  it("answers a group its node refuses item by item, each answer in its item's place", async () => {
    const redis = clients[name];
    const keys = users.map((user) => userKeys(user).head);
    await Promise.all(keys.map((key, index) => redis.set(key, `value ${index}`)));
    const refused: number[] = [];
    const answers = await perNode(
      redis,
      keys,
      (key) => key,
      (group) => {
        refused.push(group.length);
        return Promise.reject(new Error('MOVED'));
      },
      (key) => redis.get(key),
    );
    expect(answers).toEqual(keys.map((_, index) => `value ${index}`));
    expect(refused.reduce((sum, n) => sum + n, 0)).toBe(keys.length);
    expect(refused.length).toBe(groupByNode(redis, keys, (key) => key).length);
  });

  it('renewing routes together leaves what renewing them one by one leaves', async () => {
    const redis = clients[name];
    const ordinary = new RouteLeases(redis, 'one-by-one');
    const grouped = new RouteLeases(redis, 'grouped');
    const before = Date.now();
    await Promise.all(users.map((user) => ordinary.renew(user)));
    expect(await grouped.renewAll(users)).toBe(0);
    for (const user of users) {
      const routes = await redis.hgetall(userKeys(user).routes);
      expect(Object.keys(routes).sort()).toEqual(['grouped', 'one-by-one']);
      for (const lease of Object.values(routes)) expect(Number(lease)).toBeGreaterThanOrEqual(before + ROUTE_LEASE_MS);
      expect(Math.abs(Number(routes.grouped) - Number(routes['one-by-one']))).toBeLessThan(5000);
      const ttl = await redis.pttl(userKeys(user).routes);
      expect(ttl).toBeGreaterThan(ROUTE_LEASE_MS - 5000);
      expect(ttl).toBeLessThanOrEqual(ROUTE_LEASE_MS);
    }
  });

  it('a grouped presence heartbeat leaves what one call per user leaves', async () => {
    const redis = clients[name];
    const presence = new PresenceTracker(redis, createShiftableClock(), pino({ level: 'silent' }));
    try {
      // Each user: two connections held here and one of another instance the heartbeat must leave alone.
      const entries = users.map((user) => [user, [`a${user}`, `b${user}`]] as const);
      const seed = () => Promise.all(users.map((user) => redis.zadd(connectionsKey(user), 1, `a${user}`, 1, `b${user}`, 7, `other${user}`)));
      const dump = () =>
        Promise.all(
          users.map(async (user) => ({ members: await redis.zrange(connectionsKey(user), 0, -1, 'WITHSCORES'), ttl: await redis.pttl(connectionsKey(user)) })),
        );
      await seed();
      await Promise.all(entries.map((entry) => presence.heartbeatOne('5000', entry)));
      const oneByOne = await dump();
      await Promise.all(users.map((user) => redis.del(connectionsKey(user))));
      await seed();
      for (const group of groupByNode(redis, entries, ([user]) => connectionsKey(user))) await presence.heartbeatGroup('5000', group);
      const grouped = await dump();
      expect(grouped.map((entry) => entry.members)).toEqual(oneByOne.map((entry) => entry.members));
      expect(oneByOne[0]!.members).toEqual([`other1`, '7', 'a1', '5000', 'b1', '5000']);
      for (const [index, entry] of grouped.entries()) expect(Math.abs(entry.ttl - oneByOne[index]!.ttl)).toBeLessThan(5000);
      expect(grouped.every((entry) => entry.ttl > 0)).toBe(true);
    } finally {
      await presence.close();
    }
  });
});
