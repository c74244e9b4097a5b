import type { TPushDeviceKind } from '@chorus/db';
import { startPollLoop } from '../poll-loop';
import type { AppDeps } from '../deps';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from '../mail/mail-worker';
import type { PushDelivery, PushOutcome } from './provider';
import { claimDuePushes, markPushFailed, markPushesSent, releasePushes, removeGoneDevice, type ClaimedPush } from './delivery-store';

export interface PushWorkerOptions {
  pollMs?: number;
  /** Rows claimed per pass. */
  batchSize?: number;
  /** Sends in flight at once: pushes go to many hosts, so unlike mail they need not queue behind each other. */
  concurrency?: number;
  /** Attempts before a push is marked `dead`. */
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  /** How long a claim keeps other instances off a row (a crashed worker's pushes wait this long). */
  leaseMs?: number;
}

export interface PushWorker {
  stop(): Promise<void>;
  wake(): void;
  /** One claim-and-send pass; resolves with the number of pushes attempted. */
  drainOnce(): Promise<number>;
}

export const defaultPushBackoff: BackoffPolicy = { ...defaultBackoff, baseMs: 5_000, maxMs: 15 * 60_000 };

export function startPushWorker(deps: Pick<AppDeps, 'db' | 'logger' | 'clock' | 'push'> & { metrics?: Metrics }, options: PushWorkerOptions = {}): PushWorker {
  const metrics = deps.metrics ?? noopMetrics;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 64;
  const concurrency = options.concurrency ?? 16;
  const maxAttempts = options.maxAttempts ?? 10;
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff: BackoffPolicy = { ...defaultPushBackoff, ...options.backoff };
  const logger = deps.logger.child({ component: 'push-worker' });
  const missingLogged = new Set<TPushDeviceKind>();

  let stopping = false;
  const inflight = new Set<Promise<unknown>>();

  function track<T>(promise: Promise<T>): Promise<T> {
    inflight.add(promise);
    const forget = () => inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async function attempt({ row, device }: ClaimedPush): Promise<PushOutcome> {
    const provider = deps.push.providers.get(device.kind);
    if (!provider) {
      if (!missingLogged.has(device.kind)) logger.error({ kind: device.kind }, 'no push provider for this kind of device: its pushes are dropped');
      missingLogged.add(device.kind);
      return { outcome: 'rejected', reason: `no ${device.kind} provider is configured on this server` };
    }
    if (!row.payload) return { outcome: 'rejected', reason: 'no payload' };
    const delivery: PushDelivery = { payload: row.payload, ttlSeconds: row.ttlSeconds, urgency: row.urgency, collapseKey: row.collapseKey, badge: row.badge };
    try {
      return await provider.send(device, delivery);
    } catch (error) {
      // Providers should not throw; one that does is treated as a passing failure.
      return { outcome: 'retry', reason: `provider failed: ${error instanceof Error ? error.name : 'error'}` };
    }
  }

  /** Sends one push and records any outcome but `sent`, which the pass records for all its pushes at once. */
  async function deliver(claimed: ClaimedPush, sent: number[]): Promise<void> {
    const { row, device } = claimed;
    const attempts = row.attempts + 1;
    const context = { pushId: row.id, deviceId: device.id, kind: device.kind, attempt: attempts };
    const result = await attempt(claimed);
    metrics.pushAttempted(device.kind, result.outcome);
    const now = deps.clock.now();
    switch (result.outcome) {
      case 'sent':
        sent.push(row.id);
        logger.debug(context, 'push sent');
        return;
      case 'gone':
        await removeGoneDevice(deps.db, device.id);
        logger.info({ ...context, reason: result.reason }, 'push device gone: removed');
        return;
      case 'rejected':
        await markPushFailed(deps.db, row.id, { attempts, lastError: result.reason, nextAttemptAt: now, dead: true });
        logger.warn({ ...context, reason: result.reason }, 'push rejected: giving up');
        return;
      case 'retry': {
        const dead = attempts >= maxAttempts;
        // The platform's Retry-After is a floor: retrying sooner only earns another refusal.
        const retryInMs = Math.max(backoffDelay(attempts, backoff), result.retryAfterMs ?? 0);
        await markPushFailed(deps.db, row.id, { attempts, lastError: result.reason, nextAttemptAt: new Date(now.getTime() + retryInMs), dead });
        if (dead) logger.error({ ...context, reason: result.reason }, 'push undeliverable: giving up');
        else logger.warn({ ...context, reason: result.reason, retryInMs }, 'push failed; will retry');
      }
    }
  }

  async function drain(): Promise<{ claimed: number; attempted: number }> {
    const claimedAt = deps.clock.now().getTime();
    const { pushes: claimed, scanned } = await claimDuePushes(deps.db, new Date(claimedAt), new Date(claimedAt + leaseMs), batchSize);
    let next = 0;
    let attempted = 0;
    const unsent: number[] = [];
    const sent: number[] = [];
    // A few runners share the batch. Past half the lease (or when stopping) the rest is handed
    // back rather than raced against an instance that may claim it once the lease ends.
    const runner = async () => {
      for (let item = claimed[next++]; item; item = claimed[next++]) {
        if (stopping || deps.clock.now().getTime() - claimedAt > leaseMs / 2) {
          unsent.push(item.row.id);
          continue;
        }
        try {
          await deliver(item, sent);
        } catch (error) {
          // Recording the outcome failed (database away): the lease runs out and the push is tried again.
          logger.error({ err: error, pushId: item.row.id }, 'push outcome not recorded');
        }
        attempted += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, runner));
    // One statement for the pass's deliveries rather than one per push. Should it fail (database
    // away), their leases run out and they go again: delivery is at least once either way.
    await markPushesSent(deps.db, sent, deps.clock.now());
    await releasePushes(deps.db, unsent);
    return { claimed: scanned, attempted };
  }

  const loop = startPollLoop(async () => (await track(drain())).claimed >= batchSize, {
    pollMs,
    onError: (error) => logger.error({ err: error }, 'push worker pass failed; retrying'),
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
