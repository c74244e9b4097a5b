import { conversationEvents, conversationMembers, conversations, type Db } from '@chorus/db';
import { and, asc, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../deps';
import type { ChorusEvent, RoomEventEnvelope } from './events';
import type { RoomHub } from './room-hub';
import { fromRow, type StoredConversationEvent } from './stored-event';
import type { ConversationPublish, UserStreams } from './user-streams';

const DRAIN_BATCH = 200;
/** Conversation kinds are immutable; this many are remembered. */
const KIND_CACHE = 10_000;

interface Waiting {
  event: StoredConversationEvent;
  done(): void;
}

/**
 * Copies committed conversation events to their audience's streams, in seq order, exactly
 * once. A room's events go to the room hub instead: a room's audience reads its log, not
 * 2,000 personal streams. For the others: Redis refuses a seq it has already published and reports a gap when an earlier one
 * is missing, which is then read from the database and published first. Rows are marked
 * published in batches; a sweeper republishes rows a crashed process left unmarked.
 *
 * A conversation's events are published one batch at a time: what arrives while a batch is
 * out waits for the next, which sends all of it in one round trip (the scripts run in the
 * order sent). A busy group is then not held to one event per round trip, and its recipients
 * get several events in one write.
 */
export class ConversationPublisher {
  /** Batches sent and the events in them (events per batch shows the batching). */
  readonly stats = { batches: 0, events: 0 };
  /** Events waiting for their conversation's batch in flight to finish. */
  private readonly waiting = new Map<number, Waiting[]>();
  /** The runs of conversations with a batch in flight. */
  private readonly runs = new Map<number, Promise<void>>();
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
    return new Promise((done) => {
      const queue = this.waiting.get(conversationId);
      if (queue) queue.push({ event, done });
      else this.waiting.set(conversationId, [{ event, done }]);
      if (!this.runs.has(conversationId)) this.runs.set(conversationId, this.run(conversationId));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    while (this.runs.size > 0) await Promise.allSettled([...this.runs.values()]);
    await this.flushMarks();
  }

  /**
   * Publishes the conversation's waiting events, a batch at a time, until none is left. It
   * stops being the conversation's run in the same step as it finds nothing waiting, so an
   * event queued after that starts a new run.
   */
  private async run(conversationId: number): Promise<void> {
    for (let batch = this.waiting.get(conversationId); batch; batch = this.waiting.get(conversationId)) {
      this.waiting.delete(conversationId);
      this.stats.batches++;
      this.stats.events += batch.length;
      try {
        await this.publishBatch(batch.map((waiting) => waiting.event));
      } catch (error) {
        this.logger.warn({ err: error, conversationId, seqs: batch.map((waiting) => waiting.event.seq) }, 'event publish failed; the sweeper will retry');
      }
      for (const waiting of batch) waiting.done();
    }
    this.runs.delete(conversationId);
  }

  /**
   * Sends every event's script at once. Those that find everything before them published are
   * done; from the first that does not (an earlier event still to publish, an audience to load),
   * the rest go one at a time through publishInOrder.
   */
  private async publishBatch(events: StoredConversationEvent[]): Promise<void> {
    if (await this.isRoom(events[0]!.conversationId)) {
      for (const event of events) await this.publishInOrder(event);
      return;
    }
    const results = await Promise.all(events.map((event) => this.streams.publishConversationEvent(this.conversationPublish(event))));
    for (const [index, { result }] of results.entries()) {
      if (result === 'published' || result === 'duplicate') {
        this.published.push(events[index]!.id);
        continue;
      }
      for (const event of events.slice(index)) await this.publishInOrder(event);
      return;
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
    const rows = await this.db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
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
