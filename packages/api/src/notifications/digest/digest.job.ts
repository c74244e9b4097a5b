import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { collectCandidates, deferPending, dropPending, pendingUsers } from './digest-candidates';
import { sendDigest } from './digest-mail';

export interface DigestJobConfig {
  /** How often a pass runs (one instance at a time does the work). */
  everyMs: number;
  /** Messages looked at per pass. */
  scanLimit: number;
  /** Queued users looked at per pass. */
  userLimit: number;
}

export const defaultDigestJob: DigestJobConfig = { everyMs: 60_000, scanLimit: 5_000, userLimit: 200 };

const LOCK_KEY = 'chorus:{job}:mail-digest';

export interface DigestPassResult {
  candidates: number;
  sent: number;
  deferred: number;
}

type DigestDeps = Pick<AppDeps, 'db' | 'redis' | 'clock' | 'logger' | 'realtime' | 'mail' | 'mailLinks'>;

/**
 * One pass: queue the receivers of messages that just became old enough, then mail those of
 * the queued users who have been away long enough. A Redis lock (released at the end, or
 * expiring should the instance die) keeps other instances out while a pass runs; null when
 * another instance holds it. Correctness does not rest on the lock: see sendDigest.
 */
export async function runDigestPass(deps: DigestDeps, config: DigestJobConfig = defaultDigestJob): Promise<DigestPassResult | null> {
  const owner = randomUUID();
  if ((await deps.redis.set(LOCK_KEY, owner, 'PX', Math.max(config.everyMs, 60_000) * 2, 'NX')) !== 'OK') return null;
  try {
    const now = deps.clock.now();
    const cutoff = new Date(now.getTime() - deps.mailLinks.digestAfterMs);
    const candidates = await collectCandidates(deps, cutoff, config.scanLimit);
    const userIds = await pendingUsers(deps, config.userLimit);
    const presence = await deps.realtime.presence.statusOf(userIds);
    const away = new Set(
      presence
        .filter((view) => view.status === 'offline' && (view.lastSeenAt === null || view.lastSeenAt.getTime() <= cutoff.getTime()))
        .map((view) => view.userId),
    );
    const done: number[] = [];
    const deferred = userIds.filter((id) => !away.has(id));
    let sent = 0;
    for (const userId of userIds.filter((id) => away.has(id))) {
      const outcome = await sendDigest(deps, userId, cutoff);
      if (outcome === 'sent') sent += 1;
      if (outcome === 'later') deferred.push(userId);
      else done.push(userId);
    }
    await dropPending(deps, done);
    await deferPending(deps, deferred);
    if (sent > 0) deps.mail.wake();
    if (sent > 0 || candidates > 0) deps.logger.info({ job: 'mail-digest', candidates, sent, deferred: deferred.length }, 'digest pass done');
    return { candidates, sent, deferred: deferred.length };
  } finally {
    // Only our own lock: compare and delete in one step.
    await deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, LOCK_KEY, owner);
  }
}

/** A pass every `everyMs` (the first after one period: nothing is old enough at start). */
export function startDigestJob(deps: DigestDeps, config: DigestJobConfig = defaultDigestJob) {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runDigestPass(deps, config).catch((error: unknown) => deps.logger.warn({ err: error }, 'digest pass failed'));
  }, config.everyMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
