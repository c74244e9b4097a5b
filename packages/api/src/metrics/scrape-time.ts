import type { Db } from '@chorus/db';
import { Gauge, type Registry } from 'prom-client';
import { countPendingMail } from '../mail/outbox.service';
import type { RedisClient } from '../redis-client';
import { redisNodes } from '../redis-nodes';

/** A scrape never waits longer than this for Redis or the database; the last value stays. */
const SCRAPE_TIMEOUT_MS = 2000;

function withinScrape<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('scrape timeout')), SCRAPE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `field:value` of an INFO section, as a number. */
export function infoField(info: string, field: string): number | null {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : null;
}

/**
 * An INFO field summed over the servers: one server, or every node of a Redis Cluster (the
 * memory of the data set is the primaries' sum; clients connect to primaries and replicas).
 * Null unless every server answered, so a partial sum never reads as a drop.
 */
async function sumInfoField(redis: RedisClient, role: 'master' | 'all', section: string, field: string): Promise<number | null> {
  const values = await Promise.all(redisNodes(redis, role).map(async (node) => infoField(await node.info(section), field)));
  if (values.length === 0 || values.some((value) => value === null)) return null;
  return values.reduce<number>((sum, value) => sum + value!, 0);
}

/** Gauges read when Prometheus scrapes: Redis INFO and the mail outbox's backlog. */
export function registerScrapeTimeGauges(registry: Registry, sources: { redis: RedisClient; db: Db }): void {
  const registers = [registry];
  const fromInfo = (name: string, help: string, role: 'master' | 'all', section: string, field: string) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const value = await withinScrape(sumInfoField(sources.redis, role, section, field)).catch(() => null);
        if (value !== null) this.set(value);
      },
    });
  fromInfo(
    'chorus_redis_used_memory_bytes',
    "Redis's used_memory (INFO memory; a cluster's primaries summed), read at scrape.",
    'master',
    'memory',
    'used_memory',
  );
  fromInfo(
    'chorus_redis_connected_clients',
    "Redis's connected_clients (INFO clients; every cluster node summed), read at scrape.",
    'all',
    'clients',
    'connected_clients',
  );
  new Gauge({
    name: 'chorus_mail_outbox_pending',
    help: 'Mails waiting in the outbox (all instances share it), read at scrape.',
    registers,
    async collect() {
      const pending = await withinScrape(countPendingMail(sources.db)).catch(() => null);
      if (pending !== null) this.set(pending);
    },
  });
}
