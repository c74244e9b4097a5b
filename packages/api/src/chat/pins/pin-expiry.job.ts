import { messagePins } from '@chorus/db';
import { asc, lte } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { expirePins } from './pins.service';

type ExpiryDeps = Pick<AppDeps, 'db' | 'redis' | 'clock' | 'realtime' | 'logger'>;

export interface PinExpiryConfig {
  /** One run per period, across all instances. */
  everyMs: number;
}

/**
 * Every 30 s: how late a `message.unpinned` of an expired pin may come. `chat.pins` never
 * shows an expired pin, whenever the job runs.
 */
export const defaultPinExpiry: PinExpiryConfig = { everyMs: 30_000 };

/** Conversations handled per run; the rest wait for the next period. */
const BATCH = 500;

/**
 * Removes every pin whose time has passed, one transaction per conversation, each removal
 * logged as `message.unpinned` (reason `expired`) and published to the conversation's members.
 * A pin removed meanwhile by `chat.pins`, `chat.pin` or `chat.unpin` is not removed twice:
 * all of them remove expired pins under the conversation row's lock.
 */
export async function expireDuePins(deps: ExpiryDeps): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.db
    .selectDistinct({ conversationId: messagePins.conversationId })
    .from(messagePins)
    .where(lte(messagePins.expiresAt, now))
    .orderBy(asc(messagePins.conversationId))
    .limit(BATCH);
  let removed = 0;
  for (const { conversationId } of due) removed += await expirePins(deps, conversationId);
  return removed;
}

/** A Redis key per period (SET NX) lets one instance do the period's work. */
export async function expireDuePinsIfDue(deps: ExpiryDeps, config: PinExpiryConfig): Promise<number | null> {
  const period = Math.floor(deps.clock.now().getTime() / config.everyMs);
  const claimed = await deps.redis.set(`chorus:{job}:pin-expiry:${period}`, '1', 'PX', config.everyMs * 2, 'NX');
  if (claimed !== 'OK') return null;
  const removed = await expireDuePins(deps);
  if (removed > 0) deps.logger.info({ job: 'pin-expiry', removed }, 'expired pins removed');
  return removed;
}

export function startPinExpiry(deps: ExpiryDeps, config: PinExpiryConfig = defaultPinExpiry): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = expireDuePinsIfDue(deps, config)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'pin expiry failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, config.everyMs).unref();
  tick();
  return {
    /** Stops ticking and lets a run in progress finish (bounded: Redis or the database may be gone). */
    async stop() {
      clearInterval(timer);
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((resolve) => (bound = setTimeout(resolve, 5000)))]);
      clearTimeout(bound);
    },
  };
}
