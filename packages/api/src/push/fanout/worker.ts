import type { TPushJobRow } from '@chorus/db';
import { startPollLoop } from '../../poll-loop';
import type { AppDeps } from '../../deps';
import { enqueuePushes, type PushIntent } from '../outbox';
import { callIntents, notificationIntents } from './event-jobs';
import { claimPushJobs, deletePushJobs, releasePushJobs } from './jobs';
import { messageIntents } from './message-job';

export interface PushFanoutOptions {
  /** Looks for jobs at least this often (jobs of a crashed instance, or a lost wake). */
  pollMs: number;
  /** Jobs claimed per pass; their pushes are written in one transaction. */
  batchSize: number;
  /** Jobs expanded at once within a pass (their reads overlap). */
  concurrency: number;
  /** How long a claim keeps other instances off a job (a crashed instance's jobs wait this long). */
  leaseMs: number;
  /** A job that failed this often is given up (logged), so a poisoned row cannot block forever. */
  maxAttempts: number;
}

export const defaultPushFanout: PushFanoutOptions = { pollMs: 1_000, batchSize: 100, concurrency: 8, leaseMs: 30_000, maxAttempts: 5 };

/** `push` is the delivery worker's nudge, given once pushes are committed. */
type WorkerDeps = Pick<AppDeps, 'db' | 'realtime' | 'logger' | 'clock' | 'push'>;

export interface PushFanoutWorker {
  stop(): Promise<void>;
  wake(): void;
  /** One claim-and-expand pass; resolves with the number of jobs finished. */
  drainOnce(): Promise<number>;
}

function intentsOf(deps: WorkerDeps, job: TPushJobRow, now: Date): Promise<PushIntent[]> {
  if (job.kind === 'message') return messageIntents(deps, job.refId, now);
  if (job.kind === 'call') return callIntents(deps, job.refId, now);
  return notificationIntents(deps, job.refId, now);
}

/**
 * Expands push jobs into `push_outbox` rows on every instance. Each pass claims a batch
 * (SKIP LOCKED and a lease: instances never take the same job), decides who is pushed for
 * each job after its cause committed (presence and preferences as they are now), then writes
 * every push and deletes the finished jobs in one transaction: a crash before that commit
 * leaves the jobs to be claimed again when the lease ends, and nothing is pushed twice.
 */
export function startPushFanout(deps: WorkerDeps, options: Partial<PushFanoutOptions> = {}): PushFanoutWorker {
  const settings = { ...defaultPushFanout, ...options };
  const logger = deps.logger.child({ component: 'push-fanout' });

  async function expand(job: TPushJobRow, now: Date): Promise<PushIntent[] | null> {
    try {
      return await intentsOf(deps, job, now);
    } catch (error) {
      logger.error({ err: error, jobId: job.id, kind: job.kind, attempt: job.attempts }, 'push fan-out failed for a job');
      return null;
    }
  }

  async function drain(): Promise<{ claimed: number; done: number }> {
    const now = deps.clock.now();
    const jobs = await claimPushJobs(deps.db, now, new Date(now.getTime() + settings.leaseMs), settings.batchSize);
    if (jobs.length === 0) return { claimed: 0, done: 0 };
    const intents: PushIntent[] = [];
    const done: number[] = [];
    const failed: number[] = [];
    for (let start = 0; start < jobs.length; start += settings.concurrency) {
      const slice = jobs.slice(start, start + settings.concurrency);
      const results = await Promise.all(slice.map((job) => expand(job, now)));
      results.forEach((result, index) => {
        const job = slice[index]!;
        if (result) {
          intents.push(...result);
          done.push(job.id);
        } else if (job.attempts >= settings.maxAttempts) {
          logger.error({ jobId: job.id, kind: job.kind, refId: job.refId }, 'push job given up after repeated failures');
          done.push(job.id);
        } else failed.push(job.id);
      });
    }
    const written = await deps.db.transaction(
      async (tx) => {
        const count = await enqueuePushes(tx, now, intents);
        await deletePushJobs(tx, done);
        return count;
      },
      { isolationLevel: 'read committed' },
    );
    // A failed job is tried again at the next pass rather than after its lease.
    await releasePushJobs(deps.db, failed);
    if (written > 0) deps.push.wake();
    return { claimed: jobs.length, done: done.length };
  }

  const loop = startPollLoop(async () => (await drain()).claimed >= settings.batchSize, {
    pollMs: settings.pollMs,
    // Database down or similar: the jobs stay; their leases end and they are taken again.
    onError: (error) => logger.error({ err: error }, 'push fan-out pass failed; retrying'),
  });

  return {
    stop: () => loop.stop(),
    wake: () => loop.wake(),
    drainOnce: async () => (await drain()).done,
  };
}
