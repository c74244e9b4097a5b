import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SessionCache } from '../auth/session-cache';
import type { ValidSession } from '../auth/session.service';

const CHANNEL = 'chorus:sessions:revoked';
/** A user's name, role or account kind changed: sessions read before that are out of date. */
const USERS_CHANNEL = 'chorus:users:changed';

/** Tells every instance that a user's sessions carry stale data (for processes without SessionRevocations). */
export async function publishUserChanged(redis: Redis, userId: number): Promise<void> {
  await redis.publish(USERS_CHANNEL, String(userId));
}

export interface SessionRevocationsOptions {
  /** How long a validated session may be reused without reading it again. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
}

/**
 * Revoking a session must end its open WebSocket subscriptions on whichever instance holds
 * them, and stop its HTTP calls there at once. Each instance subscribes to one Redis channel;
 * a revocation is published there after the session rows are deleted, and every local holder
 * of that session is aborted and its cached validation forgotten. Changes to a user that a
 * session carries (name, role, guest or not) are published the same way.
 */
export class SessionRevocations {
  private readonly holders = new Map<string, Set<AbortController>>();
  /** Validated sessions (see SessionCache): trusted only while the subscription is up. */
  readonly sessions: SessionCache<ValidSession>;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    options: SessionRevocationsOptions,
  ) {
    this.sessions = new SessionCache({ ttlMs: options.cacheTtlMs ?? 10_000, maxEntries: options.cacheMaxEntries ?? 100_000 });
  }

  static async start(redis: Redis, logger: Logger, options: SessionRevocationsOptions = {}): Promise<SessionRevocations> {
    const subscriber = redis.duplicate();
    subscriber.on('error', (error) => logger.debug({ err: error }, 'revocation subscriber error'));
    const revocations = new SessionRevocations(redis, subscriber, options);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === USERS_CHANNEL) revocations.sessions.forgetUser(Number(message));
      else revocations.abortLocal(message.split(','));
    });
    await subscriber.subscribe(CHANNEL, USERS_CHANNEL);
    // Messages published while the subscription is down are lost: no cached session meanwhile.
    // ioredis subscribes again before it reports `ready`.
    subscriber.on('close', () => revocations.sessions.setLive(false));
    subscriber.on('ready', () => revocations.sessions.setLive(true));
    revocations.sessions.setLive(subscriber.status === 'ready');
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

  /** After a change to what a session carries of its user (see ValidSession.user). */
  async publishUserChanged(userId: number): Promise<void> {
    this.sessions.forgetUser(userId);
    await publishUserChanged(this.publisher, userId);
  }

  async close(): Promise<void> {
    this.sessions.setLive(false);
    this.subscriber.disconnect();
  }

  private abortLocal(sessionIds: string[]): void {
    this.sessions.forgetSessions(sessionIds);
    for (const id of sessionIds) {
      for (const controller of this.holders.get(id) ?? []) controller.abort();
    }
  }
}
