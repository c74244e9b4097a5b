import { randomUUID } from 'node:crypto';
import { notifications } from '@chorus/db';
import { and, isNotNull, lt, or } from 'drizzle-orm';
import type { AppDeps } from '../deps';

export interface NotificationCleanupConfig {
  /** Read notifications older than this are deleted. */
  readMaxAgeMs: number;
  /** Every notification older than this is deleted. */
  maxAgeMs: number;
  /** One run per period, across all instances. */
  everyMs: number;
}

export const defaultNotificationCleanup: NotificationCleanupConfig = {
  readMaxAgeMs: 30 * 24 * 3600 * 1000,
  maxAgeMs: 180 * 24 * 3600 * 1000,
  everyMs: 3600 * 1000,
};

/**
 * Runs the cleanup if no instance has run it in the current period: a Redis key per period
 * (SET NX) elects exactly one instance, however many race for it.
 * Returns the number of rows deleted, or null when another instance has the period.
 */
export async function runNotificationCleanupIfDue(
  deps: Pick<AppDeps, 'db' | 'redis' | 'clock' | 'logger'>,
  config: NotificationCleanupConfig,
): Promise<number | null> {
  const now = deps.clock.now().getTime();
  const period = Math.floor(now / config.everyMs);
  const claimed = await deps.redis.set(`chorus:{job}:notification-cleanup:${period}`, randomUUID(), 'PX', config.everyMs * 2, 'NX');
  if (claimed !== 'OK') return null;
  const readBefore = new Date(now - config.readMaxAgeMs);
  const before = new Date(now - config.maxAgeMs);
  let deleted = 0;
  for (;;) {
    const [result] = await deps.db
      .delete(notifications)
      .where(or(and(isNotNull(notifications.readAt), lt(notifications.createdAt, readBefore)), lt(notifications.createdAt, before)))
      .limit(5000);
    deleted += result.affectedRows;
    if (result.affectedRows < 5000) break;
  }
  deps.logger.info({ job: 'notification-cleanup', deleted, readBefore, before }, 'notification cleanup done');
  return deleted;
}

/** Checks every minute whether this period's cleanup is still to run. */
export function startNotificationCleanup(
  deps: Pick<AppDeps, 'db' | 'redis' | 'clock' | 'logger'>,
  config: NotificationCleanupConfig = defaultNotificationCleanup,
) {
  const tick = () => void runNotificationCleanupIfDue(deps, config).catch((error: unknown) => deps.logger.warn({ err: error }, 'notification cleanup failed'));
  const timer = setInterval(tick, Math.min(60_000, config.everyMs)).unref();
  tick();
  return { stop: () => clearInterval(timer) };
}
