import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

const CHANNEL = 'chorus:sessions:revoked';

/**
 * Revoking a session must end its open WebSocket subscriptions on whichever instance holds
 * them. Each instance subscribes to one Redis channel; a revocation is published there after
 * the session rows are deleted, and every local holder of that session is aborted.
 */
export class SessionRevocations {
  private readonly holders = new Map<string, Set<AbortController>>();

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {}

  static async start(redis: Redis, logger: Logger): Promise<SessionRevocations> {
    const subscriber = redis.duplicate();
    subscriber.on('error', (error) => logger.debug({ err: error }, 'revocation subscriber error'));
    const revocations = new SessionRevocations(redis, subscriber);
    subscriber.on('message', (_channel, message) => revocations.abortLocal(message.split(',')));
    await subscriber.subscribe(CHANNEL);
    return revocations;
  }

  /** A signal that aborts when `sessionId` is revoked; call `release` when done with it. */
  watch(sessionId: string): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    let set = this.holders.get(sessionId);
    if (!set) this.holders.set(sessionId, (set = new Set()));
    set.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0) this.holders.delete(sessionId);
      },
    };
  }

  async publish(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.abortLocal(sessionIds);
    await this.publisher.publish(CHANNEL, sessionIds.join(','));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }

  private abortLocal(sessionIds: string[]): void {
    for (const id of sessionIds) {
      for (const controller of this.holders.get(id) ?? []) controller.abort();
    }
  }
}
