import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../kernel';
import type { RedisClient } from '../redis-client';
import { instanceTag } from '../redis-keys';
import { TurnBatch } from '../turn-batch';
import type { PresenceView } from './events';
import { connectionsKey, defineStatusScripts, stateKey, statusMany } from './presence-status';
import { perNode } from './slot-groups';

/** A connection not refreshed for this long counts as gone (its instance died). */
export const PRESENCE_TTL_MS = 45_000;
const HEARTBEAT_MS = 15_000;

// Every script touches one user's keys (one hash tag, one cluster slot), but the batched status
// read of presence-status.ts, which covers the users one node holds:
//   chorus:{u<id>}:pc    zset connId -> expiry
//   chorus:{u<id>}:pres  hash on -> 1 while online, away -> 1, seen -> last seen ms
// A dead instance's users are found through per-instance sets, each touched alone:
//   chorus:{i<id>}:pusers  set of the users this instance holds connections of
//   chorus:{pinst}         zset instance -> lease expiry (covers every connection it holds)
const usersKey = (instanceId: string) => `chorus:${instanceTag(instanceId)}:pusers`;
const INSTANCES_KEY = 'chorus:{pinst}';

/** KEYS: pc, pres. ARGV: connId, expiry, now. 1 if the user came online. */
const CONNECT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ${PRESENCE_TTL_MS * 2})
redis.call('HSET', KEYS[2], 'on', 1)
if before == 0 then return 1 end
return 0
`;
/** KEYS: pc, pres. ARGV: connId or '', now. Drops the connection and the expired ones; 1 if now offline. */
const DISCONNECT = `
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
if redis.call('HDEL', KEYS[2], 'on') == 0 then return 0 end
redis.call('HSET', KEYS[2], 'seen', ARGV[2])
redis.call('HDEL', KEYS[2], 'away')
return 1
`;
/** KEYS: pc. ARGV: expiry, then the user's connIds held here. */
const HEARTBEAT = `
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ${PRESENCE_TTL_MS * 2})
return 0
`;
/**
 * HEARTBEAT for many users whose slots one node holds, in one call. KEYS: the first user's pc
 * (it routes the call; the others, on the same node, are named in the script: connectionsKey).
 * ARGV: expiry, then per user its id, how many connIds follow, and those connIds.
 */
const HEARTBEAT_MANY = `#!lua flags=allow-cross-slot-keys
local i = 2
while i <= #ARGV do
  local key = 'chorus:{u' .. ARGV[i] .. '}:pc'
  local last = i + 1 + tonumber(ARGV[i + 1])
  for j = i + 2, last do redis.call('ZADD', key, 'XX', ARGV[1], ARGV[j]) end
  redis.call('PEXPIRE', key, ${PRESENCE_TTL_MS * 2})
  i = last + 1
end
return 0
`;
/** A lease renewed this recently (ms) is not renewed again for a new connection. */
const LEASE_FRESH_MS = 1000;
/** Users refreshed (or looked up) per event-loop turn, so thousands do not stall the loop. */
const BATCH = 500;

type PresenceRedis = RedisClient & {
  chorusPresenceHeartbeat(key: string, ...args: string[]): Promise<number>;
  chorusPresenceHeartbeatMany(numberOfKeys: number, firstKey: string, ...args: string[]): Promise<number>;
  chorusPresenceConnect(pc: string, pres: string, connId: string, expiry: string, now: string): Promise<number>;
  chorusPresenceDisconnect(pc: string, pres: string, connId: string, now: string): Promise<number>;
};

/**
 * Presence from live event subscriptions: a user is online while any of their connections
 * (tabs, devices, on any instance) is alive. Each instance refreshes its own connections and
 * its lease; a sweep on every instance ends the users of instances whose lease ran out.
 */
export class PresenceTracker {
  private readonly redis: PresenceRedis;
  /** connId -> user, and how many connections each user has here. */
  private readonly local = new Map<string, number>();
  private readonly localUsers = new Map<number, number>();
  private readonly instanceId = randomUUID();
  private readonly timers: NodeJS.Timeout[];
  /** The lease expiry this instance last asked for, and that write (connections wait for it). */
  private lease: { until: number; written: Promise<void> } = { until: 0, written: Promise.resolve() };
  /** Told when a user's presence changed; it reads the new state itself. */
  onChange: (userId: number) => void = () => {};

  constructor(
    redis: RedisClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('chorusPresenceConnect', { numberOfKeys: 2, lua: CONNECT });
    redis.defineCommand('chorusPresenceDisconnect', { numberOfKeys: 2, lua: DISCONNECT });
    redis.defineCommand('chorusPresenceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    redis.defineCommand('chorusPresenceHeartbeatMany', { lua: HEARTBEAT_MANY });
    defineStatusScripts(redis);
    this.redis = redis as PresenceRedis;
    this.timers = [setInterval(() => void this.heartbeat(), HEARTBEAT_MS).unref(), setInterval(() => void this.sweep(), 10_000).unref()];
  }

  /** Registers a connection; returns its release function. */
  async connect(userId: number): Promise<() => Promise<void>> {
    const connId = randomUUID();
    this.local.set(connId, userId);
    const held = this.localUsers.get(userId) ?? 0;
    this.localUsers.set(userId, held + 1);
    const now = this.clock.now().getTime();
    const expiry = String(now + PRESENCE_TTL_MS);
    // The lease covers the new connection before it exists, so a sweep never misses it. One
    // renewed within the last second covers it already: a burst of connections (a reconnect
    // storm) renews it once, not once each.
    await Promise.all([this.renewLease(Number(expiry)), held === 0 ? this.redis.sadd(usersKey(this.instanceId), String(userId)) : null]);
    const cameOnline = await this.redis.chorusPresenceConnect(connectionsKey(userId), stateKey(userId), connId, expiry, String(now));
    if (cameOnline === 1) this.onChange(userId);
    return async () => {
      if (!this.local.delete(connId)) return;
      const left = (this.localUsers.get(userId) ?? 1) - 1;
      if (left > 0) this.localUsers.set(userId, left);
      else this.localUsers.delete(userId);
      const wentOffline = await this.redis.chorusPresenceDisconnect(connectionsKey(userId), stateKey(userId), connId, String(this.clock.now().getTime()));
      // Unless the user connected here again meanwhile.
      if (!this.localUsers.has(userId)) await this.redis.srem(usersKey(this.instanceId), String(userId));
      if (wentOffline === 1) this.onChange(userId);
    };
  }

  /**
   * Extends this instance's lease to `expiry`, unless a write asked less than LEASE_FRESH_MS
   * ago already covers nearly as long: then the caller waits for that write instead.
   */
  private renewLease(expiry: number): Promise<void> {
    if (expiry - this.lease.until <= LEASE_FRESH_MS) return this.lease.written;
    const previous = this.lease;
    const written = this.redis.zadd(INSTANCES_KEY, 'GT', String(expiry), this.instanceId).then(() => undefined);
    this.lease = { until: expiry, written };
    // A failed write covers nothing: the next connection tries again.
    written.catch(() => {
      if (this.lease.written === written) this.lease = previous;
    });
    return written;
  }

  async setAway(userId: number, away: boolean): Promise<void> {
    if (away) await this.redis.hset(stateKey(userId), 'away', '1');
    else await this.redis.hdel(stateKey(userId), 'away');
    this.onChange(userId);
  }

  /**
   * Presence of `userIds`, in order. The users of every call made in one event-loop turn are
   * read together (the snapshots of a reconnect storm's resumptions share most of their users),
   * each call answered with views of its own.
   */
  statusOf(userIds: number[]): Promise<PresenceView[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.statusReads.add(userIds);
  }

  private readonly statusReads = new TurnBatch<number[], PresenceView[]>(async (lists) => {
    if (lists.length === 1) return [await this.readStatus(lists[0]!)];
    const views = new Map((await this.readStatus([...new Set(lists.flat())])).map((view) => [view.userId, view]));
    return lists.map((list) => list.map((userId) => ({ ...views.get(userId)! })));
  });

  /** One script call per Redis node (presence-status.ts) for a batch of users, a batch per turn. */
  private async readStatus(userIds: number[]): Promise<PresenceView[]> {
    const now = this.clock.now().getTime();
    const views: PresenceView[] = [];
    for (let start = 0; start < userIds.length; start += BATCH) {
      const batch = userIds.slice(start, start + BATCH);
      const states = await statusMany(this.redis, batch, now);
      batch.forEach((userId, index) => {
        const [live, away, seen] = states[index]!;
        const online = Number(live) > 0;
        views.push({
          userId,
          status: online ? (away ? 'away' : 'online') : 'offline',
          lastSeenAt: online ? new Date(now) : seen ? new Date(Number(seen)) : null,
        });
      });
    }
    return views;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const entries = [...this.local.entries()];
    this.local.clear();
    this.localUsers.clear();
    const now = String(this.clock.now().getTime());
    await Promise.allSettled(entries.map(([connId, userId]) => this.redis.chorusPresenceDisconnect(connectionsKey(userId), stateKey(userId), connId, now)));
    await Promise.allSettled([this.redis.del(usersKey(this.instanceId)), this.redis.zrem(INSTANCES_KEY, this.instanceId)]);
  }

  /**
   * Refreshes every local connection (a batch of users per turn, one script call per Redis node
   * and batch: a call per user cost a cluster client's slot routing 4,000 times) and this
   * instance's lease. The users are added to its set again in case a sweep took them while
   * this instance was stalled past its lease.
   */
  async heartbeat(): Promise<void> {
    const expiry = String(this.clock.now().getTime() + PRESENCE_TTL_MS);
    const byUser = new Map<number, string[]>();
    for (const [connId, userId] of this.local) {
      const connIds = byUser.get(userId);
      if (connIds) connIds.push(connId);
      else byUser.set(userId, [connId]);
    }
    const users = [...byUser];
    try {
      await this.renewLease(Number(expiry));
      for (let start = 0; start < users.length; start += BATCH) {
        const batch = users.slice(start, start + BATCH);
        await Promise.all([
          this.redis.sadd(usersKey(this.instanceId), ...batch.map(([userId]) => String(userId))),
          perNode(
            this.redis,
            batch,
            ([userId]) => connectionsKey(userId),
            (group) => this.heartbeatGroup(expiry, group).then(() => group),
            (entry) => this.heartbeatOne(expiry, entry).then(() => entry),
          ),
        ]);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  /** The connections of users whose slots one node holds (a group of groupByNode): one script call. */
  async heartbeatGroup(expiry: string, group: readonly (readonly [number, readonly string[]])[]): Promise<void> {
    const args = group.flatMap(([userId, connIds]) => [String(userId), String(connIds.length), ...connIds]);
    await this.redis.chorusPresenceHeartbeatMany(1, connectionsKey(group[0]![0]), expiry, ...args);
  }

  /** One user's connections: one script call. */
  async heartbeatOne(expiry: string, [userId, connIds]: readonly [number, readonly string[]]): Promise<void> {
    await this.redis.chorusPresenceHeartbeat(connectionsKey(userId), expiry, ...connIds);
  }

  /**
   * Ends the presence of users whose connections all expired: those of instances whose lease
   * ran out (they died). SPOP hands each user to one sweeping instance.
   */
  async sweep(): Promise<void> {
    try {
      const now = this.clock.now().getTime();
      const expired = await this.redis.zrangebyscore(INSTANCES_KEY, '-inf', now, 'LIMIT', 0, 20);
      for (const instanceId of expired) {
        for (;;) {
          const users = await this.redis.spop(usersKey(instanceId), 200);
          if (users.length === 0) break;
          const offline = await Promise.all(users.map((user) => this.redis.chorusPresenceDisconnect(connectionsKey(user), stateKey(user), '', String(now))));
          users.forEach((user, index) => offline[index] === 1 && this.onChange(Number(user)));
        }
        // A stalled instance that comes back renews its lease and its set at its next heartbeat.
        await this.redis.zrem(INSTANCES_KEY, instanceId);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'presence sweep failed');
    }
  }
}
