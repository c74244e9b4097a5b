import { conversationEvents, conversationMembers, conversations, type Db } from '@chorus/db';
import { and, asc, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../kernel';
import type { ChorusEvent, RoomEventEnvelope } from './events';
import type { RoomHub } from './room-hub';
import { fromRow, type StoredConversationEvent } from './stored-event';
import type { ConversationPublish, UserStreams } from './user-streams';

const DRAIN_BATCH = 200;
/** Conversation kinds are immutable; this many are remembered. */
const KIND_CACHE = 10_000;

/** A conversation's events on their way out: each one's answer is handled after its predecessors'. */
interface Lane {
  /** Settles once the last event queued on the lane is handled. */
  tail: Promise<void>;
  /** Events queued on the lane and not yet handled. */
  pending: number;
}

/**
 * Copies committed conversation events to their audience's streams, in seq order, exactly
 * once. A room's events go to the room hub instead: a room's audience reads its log, not
 * 2,000 personal streams. For the others: Redis refuses a seq it has already published and reports a gap when an earlier one
 * is missing, which is then read from the database and published first. Rows are marked
 * published in batches; a sweeper republishes rows a crashed process left unmarked.
 *
 * An event's script is sent as soon as the event is committed, without waiting for the answers
 * of the conversation's earlier events: Redis runs one connection's scripts in the order sent,
 * and its seq check refuses an event whose predecessor is not published, so sending early never
 * publishes out of order. The answers are handled in the order the events came; an event refused (a gap,
 * an audience to load) or a room's event takes the one-at-a-time path once its predecessors are
 * handled. A busy group's events used to wait for each other's round trips (and the event loop
 * between them): 40–50 ms from commit to the hub at 28 messages/s.
 */
export class ConversationPublisher {
  /** Events sent at once, those that took the one-at-a-time path, and the most scripts sent and not yet answered. */
  readonly stats = { sent: 0, ordered: 0, mostInFlight: 0 };
  private readonly lanes = new Map<number, Lane>();
  private inFlight = 0;
  private readonly roomKinds = new Map<number, boolean>();
  private published: number[] = [];
  private readonly flushTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly streams: UserStreams,
    private readonly rooms: RoomHub,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly options: { sweepEveryMs?: number; retentionMs?: number } = {},
  ) {
    this.flushTimer = setInterval(() => void this.flushMarks(), 200).unref();
    this.sweepTimer = setInterval(() => void this.sweep(), options.sweepEveryMs ?? 2000).unref();
  }

  /** Call after the transaction that stored `event` committed. Never throws: the sweeper retries. */
  publish(event: StoredConversationEvent): Promise<void> {
    const { conversationId } = event;
    let lane = this.lanes.get(conversationId);
    if (!lane) this.lanes.set(conversationId, (lane = { tail: Promise.resolve(), pending: 0 }));
    lane.pending++;
    const answer = this.sendAtOnce(event);
    const handled = lane.tail
      .then(async () => {
        if (await answer) {
          this.published.push(event.id);
          return;
        }
        this.stats.ordered++;
        await this.publishInOrder(event);
      })
      .catch((error) => this.logger.warn({ err: error, conversationId, seq: event.seq }, 'event publish failed; the sweeper will retry'));
    lane.tail = handled;
    const current = lane;
    return handled.then(() => {
      if (--current.pending === 0 && this.lanes.get(conversationId) === current) this.lanes.delete(conversationId);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    while (this.lanes.size > 0) await Promise.allSettled([...this.lanes.values()].map((lane) => lane.tail));
    await this.flushMarks();
  }

  /**
   * Sends the event's script now. True when Redis published it (or had already); false for a
   * room's event, a refusal or an error, which the one-at-a-time path then takes in turn.
   */
  private async sendAtOnce(event: StoredConversationEvent): Promise<boolean> {
    try {
      if (await this.isRoom(event.conversationId)) return false;
      this.stats.sent++;
      this.stats.mostInFlight = Math.max(this.stats.mostInFlight, ++this.inFlight);
      try {
        const { result } = await this.streams.publishConversationEvent(this.conversationPublish(event));
        return result === 'published' || result === 'duplicate';
      } finally {
        this.inFlight--;
      }
    } catch {
      return false;
    }
  }

  private conversationPublish(event: StoredConversationEvent, options: { seed?: number[]; force?: boolean } = {}): ConversationPublish {
    return {
      conversationId: event.conversationId,
      seq: event.seq,
      event: { ...event.payload, conversationId: event.conversationId, seq: event.seq } as unknown as ChorusEvent,
      add: event.audience?.add,
      remove: event.audience?.remove,
      ...options,
    };
  }

  private async publishInOrder(event: StoredConversationEvent, force = false): Promise<void> {
    if (await this.isRoom(event.conversationId)) {
      const envelope = { ...event.payload, roomId: event.conversationId, seq: event.seq } as unknown as RoomEventEnvelope;
      await this.rooms.publish(event.conversationId, event.seq, envelope);
      this.published.push(event.id);
      return;
    }
    let seed: number[] | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const { result, lastPublished } = await this.streams.publishConversationEvent(this.conversationPublish(event, { seed, force }));
      if (result === 'published' || result === 'duplicate') {
        this.published.push(event.id);
        return;
      }
      if (result === 'needs_seed') {
        seed = await this.audienceOf(event.conversationId);
        continue;
      }
      // An earlier event is committed but not yet published: publish the missing ones first.
      const drained = await this.drain(event.conversationId, lastPublished, event.seq);
      if (!drained) force = true;
    }
    throw new Error(`could not publish seq ${event.seq} of conversation ${event.conversationId}`);
  }

  /** Publishes stored events between `after` and `before`; false if the first ones were pruned. */
  private async drain(conversationId: number, after: number, before: number): Promise<boolean> {
    const rows = await this.db
      .select()
      .from(conversationEvents)
      .where(and(eq(conversationEvents.conversationId, conversationId), gt(conversationEvents.seq, after), lt(conversationEvents.seq, before)))
      .orderBy(asc(conversationEvents.seq))
      .limit(DRAIN_BATCH);
    if (rows.length === 0) return false;
    const pruned = rows[0]!.seq !== after + 1;
    for (const [index, row] of rows.entries()) await this.publishInOrder(fromRow(row), pruned && index === 0);
    return true;
  }

  private async isRoom(conversationId: number): Promise<boolean> {
    const known = this.roomKinds.get(conversationId);
    if (known !== undefined) return known;
    const [row] = await this.db.select({ kind: conversations.kind }).from(conversations).where(eq(conversations.id, conversationId)).limit(1);
    const isRoom = row?.kind === 'room';
    if (this.roomKinds.size >= KIND_CACHE) this.roomKinds.clear();
    if (row) this.roomKinds.set(conversationId, isRoom);
    return isRoom;
  }

  private async audienceOf(conversationId: number): Promise<number[]> {
    const rows = await this.db
      .select({ userId: conversationMembers.userId })
      .from(conversationMembers)
      .where(eq(conversationMembers.conversationId, conversationId));
    return rows.map((row) => row.userId);
  }

  private async flushMarks(): Promise<void> {
    if (this.published.length === 0) return;
    const ids = this.published;
    this.published = [];
    try {
      await this.db.update(conversationEvents).set({ publishedAt: this.clock.now() }).where(inArray(conversationEvents.id, ids));
    } catch (error) {
      // Unmarked rows are republished by the sweeper, and Redis drops the duplicates.
      this.logger.warn({ err: error }, 'could not mark events published');
    }
  }

  /** Deletes published events past retention (a minute apart, a batch at a time). */
  private async prune(): Promise<void> {
    const now = this.clock.now().getTime();
    if (!this.options.retentionMs || now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const cutoff = new Date(now - this.options.retentionMs);
    await this.db.delete(conversationEvents).where(lt(conversationEvents.publishedAt, cutoff)).limit(5000);
  }

  /** Publishes events left unpublished for a while (their process died after commit). */
  async sweep(olderThanMs = 3000): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const cutoff = new Date(this.clock.now().getTime() - olderThanMs);
      const rows = await this.db
        .select()
        .from(conversationEvents)
        .where(and(isNull(conversationEvents.publishedAt), lt(conversationEvents.createdAt, cutoff)))
        .orderBy(asc(conversationEvents.id))
        .limit(500);
      for (const row of rows) await this.publish(fromRow(row));
      await this.flushMarks();
      await this.prune();
    } catch (error) {
      this.logger.warn({ err: error }, 'event sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
