import type { Db } from '@chorus/db';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { countPendingMail } from '../mail/outbox.service';

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

/** Gauges read when Prometheus scrapes: Redis INFO and the mail outbox's backlog. */
export function registerScrapeTimeGauges(registry: Registry, sources: { redis: Redis; db: Db }): void {
  const registers = [registry];
  const fromInfo = (name: string, help: string, section: string, field: string) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const info = await withinScrape(sources.redis.info(section)).catch(() => null);
        const value = info === null ? null : infoField(info, field);
        if (value !== null) this.set(value);
      },
    });
  fromInfo('chorus_redis_used_memory_bytes', "Redis's used_memory (INFO memory), read at scrape.", 'memory', 'used_memory');
  fromInfo('chorus_redis_connected_clients', "Redis's connected_clients (INFO clients), read at scrape.", 'clients', 'connected_clients');
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
