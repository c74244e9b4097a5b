import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import { SessionCache } from '../auth/session-cache';
import { ListenerSets } from './listener-sets';
import type { ValidSession } from '../auth/session.types';
import { SessionEndSignal } from './session-end-signal';

// Classic PUBLISH, not sharded: any instance may hold or cache any user's sessions, so every
// instance must hear every revocation and user change. They are rare, so a cluster broadcasting
// them to every node costs little; per-user sharded channels would need a subscription per user
// cached anywhere.
const CHANNEL = 'chorus:sessions:revoked';
/** A user's name, role or account kind changed: sessions read before that are out of date. */
const USERS_CHANNEL = 'chorus:users:changed';

/** Tells every instance that a user's sessions carry stale data (for processes without SessionRevocations). */
export async function publishUserChanged(redis: RedisClient, userId: number): Promise<void> {
  await redis.publish(USERS_CHANNEL, String(userId));
}

/** How long a validated session may be reused without reading it again, and how many are kept. */
const SESSION_CACHE = { ttlMs: 10_000, maxEntries: 100_000 };

/**
 * Revoking a session must end its open WebSocket subscriptions on whichever instance holds
 * them, and stop its HTTP calls there at once. Each instance subscribes to one Redis channel;
 * a revocation is published there after the session rows are deleted, and every local holder
 * of that session is aborted and its cached validation forgotten. Changes to a user that a
 * session carries (name, role, guest or not) are published the same way.
 */
export class SessionRevocations {
  private readonly holders = new ListenerSets<string, SessionEndSignal>();
  /** Validated sessions (see SessionCache): trusted only while the subscription is up. */
  readonly sessions: SessionCache<ValidSession>;

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    this.sessions = new SessionCache(SESSION_CACHE);
  }

  static async start(redis: RedisClient, logger: Logger): Promise<SessionRevocations> {
    const subscriber = redis.duplicate();
    subscriber.on('error', (error) => logger.debug({ err: error }, 'revocation subscriber error'));
    const revocations = new SessionRevocations(redis, subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === USERS_CHANNEL) revocations.sessions.forgetUser(Number(message));
      else revocations.abortLocal(message.split(','));
    });
    await subscriber.subscribe(CHANNEL, USERS_CHANNEL);
    // Messages published while the subscription is down are lost: no cached session meanwhile.
    // ioredis reports `ready` before Redis has answered its own resubscription, so the cache
    // waits for a subscription of ours to be confirmed (subscribing again changes nothing).
    subscriber.on('close', () => revocations.sessions.setLive(false));
    subscriber.on('ready', () => {
      subscriber.subscribe(CHANNEL, USERS_CHANNEL).then(
        () => revocations.sessions.setLive(subscriber.status === 'ready'),
        (error: unknown) => logger.debug({ err: error }, 'revocation resubscribe failed'),
      );
    });
    revocations.sessions.setLive(subscriber.status === 'ready');
    return revocations;
  }

  /** A signal that aborts when `sessionId` is revoked; call `release` when done with it. */
  watch(sessionId: string): { signal: SessionEndSignal; release(): void } {
    const signal = new SessionEndSignal();
    return { signal, release: this.holders.listen(sessionId, signal) };
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
      for (const signal of this.holders.get(id) ?? []) signal.abort();
    }
  }
}
