import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import type { Clock } from '../kernel';
import type { PresenceView } from './events';

/** A connection not refreshed for this long counts as gone (its instance died). */
export const PRESENCE_TTL_MS = 45_000;
const HEARTBEAT_MS = 15_000;

// pc:<u> zset connId -> expiry; pall zset u -> latest expiry (for the sweep); pst hash u ->
// 'away'; pseen hash u -> last seen ms.
const CONNECT = `
local key = 'chorus:pc:' .. ARGV[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[4])
local before = redis.call('ZCARD', key)
redis.call('ZADD', key, ARGV[3], ARGV[2])
redis.call('PEXPIRE', key, ${PRESENCE_TTL_MS * 2})
redis.call('ZADD', 'chorus:pall', 'GT', ARGV[3], ARGV[1])
if before == 0 then return 1 end
return 0
`;
/** ARGV: user, connId or '', now. Drops the connection and the expired ones; 1 if now offline. */
const DISCONNECT = `
local key = 'chorus:pc:' .. ARGV[1]
if ARGV[2] ~= '' then redis.call('ZREM', key, ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[3])
if redis.call('ZCARD', key) > 0 then return 0 end
if redis.call('ZREM', 'chorus:pall', ARGV[1]) == 0 then return 0 end
redis.call('HSET', 'chorus:pseen', ARGV[1], ARGV[3])
redis.call('HDEL', 'chorus:pst', ARGV[1])
return 1
`;

/** ARGV: expiry, then user and connId pairs. Refreshes the connections this instance holds. */
const HEARTBEAT = `
for i = 2, #ARGV, 2 do
  local key = 'chorus:pc:' .. ARGV[i]
  redis.call('ZADD', key, 'XX', ARGV[1], ARGV[i + 1])
  redis.call('PEXPIRE', key, ${PRESENCE_TTL_MS * 2})
  redis.call('ZADD', 'chorus:pall', 'GT', ARGV[1], ARGV[i])
end
return 0
`;
/** Connections refreshed per script call: each call is one short command, not three per connection. */
const HEARTBEAT_BATCH = 500;

type PresenceRedis = RedisClient & {
  chorusPresenceHeartbeat(...args: string[]): Promise<number>;
  chorusPresenceConnect(...args: string[]): Promise<number>;
  chorusPresenceDisconnect(...args: string[]): Promise<number>;
};

/**
 * Presence from live event subscriptions: a user is online while any of their connections
 * (tabs, devices, on any instance) is alive. Each instance refreshes its own connections; a
 * sweep on every instance ends those of a dead instance after PRESENCE_TTL_MS.
 */
export class PresenceTracker {
  private readonly redis: PresenceRedis;
  private readonly local = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[];
  /** Told when a user's presence changed; it reads the new state itself. */
  onChange: (userId: number) => void = () => {};

  constructor(
    redis: RedisClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('chorusPresenceConnect', { numberOfKeys: 0, lua: CONNECT });
    redis.defineCommand('chorusPresenceDisconnect', { numberOfKeys: 0, lua: DISCONNECT });
    redis.defineCommand('chorusPresenceHeartbeat', { numberOfKeys: 0, lua: HEARTBEAT });
    this.redis = redis as PresenceRedis;
    this.timers = [setInterval(() => void this.heartbeat(), HEARTBEAT_MS).unref(), setInterval(() => void this.sweep(), 10_000).unref()];
  }

  /** Registers a connection; returns its release function. */
  async connect(userId: number): Promise<() => Promise<void>> {
    const connId = randomUUID();
    this.local.set(connId, userId);
    const now = this.clock.now().getTime();
    const cameOnline = await this.redis.chorusPresenceConnect(String(userId), connId, String(now + PRESENCE_TTL_MS), String(now));
    if (cameOnline === 1) this.onChange(userId);
    return async () => {
      this.local.delete(connId);
      const wentOffline = await this.redis.chorusPresenceDisconnect(String(userId), connId, String(this.clock.now().getTime()));
      if (wentOffline === 1) this.onChange(userId);
    };
  }

  async setAway(userId: number, away: boolean): Promise<void> {
    if (away) await this.redis.hset('chorus:pst', String(userId), 'away');
    else await this.redis.hdel('chorus:pst', String(userId));
    this.onChange(userId);
  }

  async statusOf(userIds: number[]): Promise<PresenceView[]> {
    if (userIds.length === 0) return [];
    const now = this.clock.now().getTime();
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(`chorus:pc:${id}`, now, '+inf');
    pipeline.hmget('chorus:pst', ...userIds.map(String));
    pipeline.hmget('chorus:pseen', ...userIds.map(String));
    const results = (await pipeline.exec()) ?? [];
    const away = (results[userIds.length]?.[1] as Array<string | null>) ?? [];
    const seen = (results[userIds.length + 1]?.[1] as Array<string | null>) ?? [];
    return userIds.map((userId, index) => {
      const online = Number(results[index]?.[1] ?? 0) > 0;
      const lastSeen = seen[index];
      return {
        userId,
        status: online ? (away[index] === 'away' ? 'away' : 'online') : 'offline',
        lastSeenAt: online ? new Date(now) : lastSeen ? new Date(Number(lastSeen)) : null,
      };
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const entries = [...this.local.entries()];
    this.local.clear();
    const now = String(this.clock.now().getTime());
    await Promise.allSettled(entries.map(([connId, userId]) => this.redis.chorusPresenceDisconnect(String(userId), connId, now)));
  }

  /**
   * Refreshes every local connection, a batch per script call. A pipeline of three commands per
   * connection would stall the event loop for tens of milliseconds with thousands of them.
   */
  async heartbeat(): Promise<void> {
    const expiry = String(this.clock.now().getTime() + PRESENCE_TTL_MS);
    const connections = [...this.local];
    try {
      for (let start = 0; start < connections.length; start += HEARTBEAT_BATCH) {
        const args = [expiry];
        for (const [connId, userId] of connections.slice(start, start + HEARTBEAT_BATCH)) args.push(String(userId), connId);
        await this.redis.chorusPresenceHeartbeat(...args);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  /** Ends the presence of users whose connections all expired (their instance died). */
  async sweep(): Promise<void> {
    try {
      const now = this.clock.now().getTime();
      const expired = await this.redis.zrangebyscore('chorus:pall', '-inf', now, 'LIMIT', 0, 200);
      for (const user of expired) {
        const wentOffline = await this.redis.chorusPresenceDisconnect(user, '', String(now));
        if (wentOffline === 1) this.onChange(Number(user));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'presence sweep failed');
    }
  }
}
