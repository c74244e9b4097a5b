import type { RedisClient } from '../redis-client';
import { perNode } from './slot-groups';
import { userKeys } from './stream-keys';

/** How long an instance's route for a user lives without being refreshed. */
export const ROUTE_LEASE_MS = 60_000;

/** Users renewed per turn: bounds both the client's turn and each script's time in Redis. */
const RENEW_CHUNK = 500;

/**
 * What `renew` does, for many users whose slots one node holds. KEYS: the first user's routes
 * (it routes the call; the others, on the same node, are named in the script). ARGV: instance,
 * lease expiry (ms), lease length (ms), then the user ids. The key is userKeys(id).routes.
 */
const RENEW_MANY = `#!lua flags=allow-cross-slot-keys
for i = 4, #ARGV do
  local routes = 'chorus:{u' .. ARGV[i] .. '}:r'
  redis.call('HSET', routes, ARGV[1], ARGV[2])
  redis.call('PEXPIRE', routes, ARGV[3])
end
return #ARGV - 3
`;

type LeaseRedis = RedisClient & { chorusRenewRoutes(numberOfKeys: number, first: string, ...args: (string | number)[]): Promise<number> };

/**
 * An instance's routes in its users' keys (event-hub.ts): `route` per user as a listener
 * arrives, `renewAll` for every local user each third of the lease. Renewed user by user, an
 * instance with 4,000 listening users wrote 8,000 commands in one turn, each through the
 * cluster client's slot routing on a cluster: a stall of the event loop every 20 s
 * (docs/capacity.md, "Adding instances"). renewAll sends one script call per node and chunk.
 */
export class RouteLeases {
  private readonly redis: LeaseRedis;

  constructor(
    redis: RedisClient,
    private readonly instanceId: string,
  ) {
    redis.defineCommand('chorusRenewRoutes', { lua: RENEW_MANY });
    this.redis = redis as LeaseRedis;
  }

  /** One user's route: sent in one turn on the key's one connection, in order, one round trip. */
  async renew(userId: number): Promise<void> {
    const { routes } = userKeys(userId);
    await Promise.all([this.redis.hset(routes, this.instanceId, Date.now() + ROUTE_LEASE_MS), this.redis.pexpire(routes, ROUTE_LEASE_MS)]);
  }

  /** Renews every route of `userIds`; resolves to how many renewals failed. */
  async renewAll(userIds: readonly number[]): Promise<number> {
    let failed = 0;
    for (let start = 0; start < userIds.length; start += RENEW_CHUNK) {
      const renewed = await perNode(
        this.redis,
        userIds.slice(start, start + RENEW_CHUNK),
        (user) => userKeys(user).routes,
        (group) => this.renewGroup(group).then(() => group.map(() => true)),
        (user) =>
          this.renew(user).then(
            () => true,
            () => false,
          ),
      );
      failed += renewed.filter((ok) => !ok).length;
    }
    return failed;
  }

  /** Routes of users whose slots one node holds (a group of groupByNode): one script call. */
  async renewGroup(group: readonly number[]): Promise<void> {
    const expiry = Date.now() + ROUTE_LEASE_MS;
    await this.redis.chorusRenewRoutes(1, userKeys(group[0]!).routes, this.instanceId, expiry, ROUTE_LEASE_MS, ...group);
  }

  remove(userId: number): Promise<number> {
    return this.redis.hdel(userKeys(userId).routes, this.instanceId);
  }
}
