import type { TMailOutboxRow } from '@chorus/db';
import { startPollLoop } from '../poll-loop';
import type { AppDeps } from '../deps';
import type { MailDriver } from './drivers';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import { claimDueMail, markMailFailed, markMailSent, releaseMail } from './outbox.service';

export interface BackoffPolicy {
  /** Delay after the first failure; doubles per further failure. */
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

/** base·2^(n−1), ±20 % jitter so instances that failed together do not retry in lockstep. */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = policy.baseMs * 2 ** Math.max(0, failures - 1);
  return Math.round(Math.min(policy.maxMs, step * (0.8 + 0.4 * random())));
}

export interface MailWorkerOptions {
  driver: MailDriver;
  /** The sender, e.g. `Chorus <no-reply@chorus.example>`. */
  from: string;
  pollMs?: number;
  batchSize?: number;
  /** Send attempts before a mail is marked `dead`. */
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  /**
   * How long a claim keeps other instances off a row (a crashed worker's mail waits this
   * long). Keep the driver's send timeout under half of it: see `drain`.
   */
  leaseMs?: number;
}

export interface MailWorker {
  /** Resolves once the mail being sent is done and the rest of the batch is handed back. */
  stop(): Promise<void>;
  /** Look for due mail now rather than at the next poll; call after the enqueueing commit. */
  wake(): void;
  /** One claim-and-send pass; resolves with the number of mails attempted. */
  drainOnce(): Promise<number>;
}

function describeFailure(error: unknown): string {
  // Drivers put only the provider's status and reason in their errors, never the mail.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

export function startMailWorker(deps: Pick<AppDeps, 'db' | 'logger' | 'clock'> & { metrics?: Metrics }, options: MailWorkerOptions): MailWorker {
  const { driver, from } = options;
  const metrics = deps.metrics ?? noopMetrics;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 20;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff: BackoffPolicy = { ...defaultBackoff, ...options.backoff };
  const logger = deps.logger.child({ component: 'mail-worker', driver: driver.name });

  let stopping = false;
  const inflight = new Set<Promise<unknown>>();

  function track<T>(promise: Promise<T>): Promise<T> {
    inflight.add(promise);
    const forget = () => inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async function deliver(row: TMailOutboxRow): Promise<void> {
    const attempts = row.attempts + 1;
    const context = { mailId: row.id, template: row.template, attempt: attempts };
    let providerMessageId: string;
    try {
      ({ id: providerMessageId } = await driver.send({
        from,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        ...(row.htmlBody ? { html: row.htmlBody } : {}),
        ...(row.headers ? { headers: row.headers } : {}),
        // createdAt keeps keys distinct between databases that reuse ids (staging vs prod on one account).
        idempotencyKey: `chorus-mail-${row.id}-${row.createdAt.getTime()}`,
      }));
    } catch (error) {
      metrics.mailFailed(driver.name);
      const reason = describeFailure(error);
      const dead = attempts >= maxAttempts;
      const retryInMs = backoffDelay(attempts, backoff);
      const nextAttemptAt = new Date(deps.clock.now().getTime() + retryInMs);
      await markMailFailed(deps.db, row.id, { attempts, lastError: reason, nextAttemptAt, dead });
      if (dead) logger.error({ ...context, reason }, 'mail undeliverable: giving up');
      else logger.warn({ ...context, reason, retryInMs }, 'mail send failed; will retry');
      return;
    }
    metrics.mailSent(driver.name);
    await markMailSent(deps.db, row.id, attempts, deps.clock.now(), providerMessageId);
    logger.info({ ...context, providerMessageId }, 'mail sent');
  }

  async function drain(): Promise<{ claimed: number; attempted: number }> {
    const claimedAt = deps.clock.now().getTime();
    const rows = await claimDueMail(deps.db, new Date(claimedAt), new Date(claimedAt + leaseMs), batchSize);
    let attempted = 0;
    for (const row of rows) {
      // Sends are sequential (providers rate-limit), so a slow provider can eat the lease;
      // past half of it, hand the rest back rather than race the instance that may take it.
      if (stopping || deps.clock.now().getTime() - claimedAt > leaseMs / 2) {
        await releaseMail(
          deps.db,
          rows.slice(attempted).map((rest) => rest.id),
        );
        break;
      }
      await deliver(row);
      attempted += 1;
    }
    return { claimed: rows.length, attempted };
  }

  const loop = startPollLoop(async () => (await track(drain())).claimed >= batchSize, {
    pollMs,
    // Database down or similar: the rows stay pending; try again next tick.
    onError: (error) => logger.error({ err: error }, 'mail worker pass failed; retrying'),
  });

  return {
    async stop() {
      stopping = true;
      await loop.stop();
      await Promise.allSettled(inflight);
    },
    wake: () => loop.wake(),
    drainOnce: () => track(drain()).then((result) => result.attempted),
  };
}
