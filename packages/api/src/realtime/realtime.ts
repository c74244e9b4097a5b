import type { Db } from '@chorus/db';
import type { Tracer } from '@opentelemetry/api';
import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import type { Clock } from '../kernel';
import type { Metrics } from '../metrics/metrics';
import { ConversationPublisher } from './conversation-publisher';
import { EventHub } from './event-hub';
import { userEventStream, type UserStreamArgs } from './event-stream';
import type { EphemeralEvent, UserEvent } from './events';
import { PresenceTracker } from './presence';
import { RoomHub } from './room-hub';
import type { StoredConversationEvent } from './stored-event';
import { StreamArchiver } from './stream-archive';
import { UserStreams } from './user-streams';

export interface RealtimeOptions {
  /** How long events stay replayable (default 48 h). */
  retentionMs?: number;
  /** How often the sweeper looks for events a crashed process left unpublished. */
  sweepEveryMs?: number;
  /** How long events stay in Redis streams before the archiver moves them to the database; default: no archive, Redis keeps them all. */
  redisWindowMs?: number;
  /** Period of the archiver's passes (default: a fifth of the window, 1–60 s); tests run passes by hand. */
  archiveEveryMs?: number;
}

/**
 * The realtime side of the app: per-user event streams (recent entries in Redis, older ones in the
 * database's stream archive), and who is listening here.
 */
export class Realtime {
  private constructor(
    readonly hub: EventHub,
    readonly streams: UserStreams,
    readonly conversations: ConversationPublisher,
    readonly presence: PresenceTracker,
    readonly rooms: RoomHub,
    private readonly clock: Clock,
    readonly metrics: Metrics,
    readonly archiver: StreamArchiver | null,
  ) {}

  static async start(
    deps: { db: Db; redis: RedisClient; logger: Logger; clock: Clock; tracer?: Tracer | null; metrics: Metrics },
    options: RealtimeOptions = {},
  ): Promise<Realtime> {
    const retentionMs = options.retentionMs ?? 48 * 3600 * 1000;
    const windowMs = options.redisWindowMs;
    const streams = new UserStreams(deps.redis, retentionMs, deps.tracer ?? null, windowMs === undefined ? null : { db: deps.db, windowMs });
    const hub = await EventHub.start(deps.redis, deps.logger, { tracer: deps.tracer ?? null, metrics: deps.metrics });
    const rooms = await RoomHub.start(deps.redis, deps.logger, { metrics: deps.metrics });
    const publisher = new ConversationPublisher(deps.db, streams, rooms, deps.logger, deps.clock, { sweepEveryMs: options.sweepEveryMs, retentionMs });
    // Started last: its timer runs from here.
    const archiver = windowMs === undefined ? null : new StreamArchiver(deps, { windowMs, retentionMs, everyMs: options.archiveEveryMs });
    return new Realtime(hub, streams, publisher, new PresenceTracker(deps.redis, deps.clock, deps.logger), rooms, deps.clock, deps.metrics, archiver);
  }

  /** A replayable event for these users; call after commit. Retries with the same key publish once. */
  publishToUsers(userIds: number[], dedupeKey: string, event: UserEvent): Promise<void> {
    this.metrics.eventPublished();
    return this.streams.publishUserEvent(userIds, dedupeKey, { ...event, at: this.clock.now() });
  }

  /** A live-only event for those of `userIds` connected now. */
  publishEphemeral(userIds: number[], event: EphemeralEvent): Promise<void> {
    this.metrics.eventPublished();
    return this.streams.publishEphemeral(userIds, event);
  }

  /** Publishes a stored conversation event (after its transaction committed). */
  publishConversationEvent(event: StoredConversationEvent): Promise<void> {
    this.metrics.eventPublished();
    return this.conversations.publish(event);
  }

  subscribe(userId: number, args: UserStreamArgs) {
    return userEventStream(this, userId, args);
  }

  async close(): Promise<void> {
    await this.archiver?.close();
    await this.presence.close();
    await this.conversations.close();
    await this.hub.close();
    await this.rooms.close();
  }
}
