import { conversationEvents, type Db } from '@chorus/db';
import { tracked } from '@trpc/server';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Metrics } from '../metrics/metrics';
import type { RoomEvent, RoomEventEnvelope } from './events';
import type { DirectFrames } from '@chorus/transport';
import { LiveBuffer } from './live-buffer';
import { sendOnce, shareEvent } from '@chorus/transport';
import type { RoomDelivery, RoomHub } from './room-hub';
import { fromRow } from './stored-event';

const READ_BATCH = 500;

export interface RoomSnapshot {
  /** The log position the snapshot's state is as of. */
  seq: number;
  event: Extract<RoomEvent, { type: 'room.snapshot' }>;
}

export interface RoomStreamArgs {
  roomId: number;
  userId: number;
  lastEventId: string | null | undefined;
  /** Events logged before this (the caller's joining) are never replayed to them. */
  visibleFrom: Date;
  signal: AbortSignal | undefined;
  /**
   * The room's state as of some seq: read after `listeningSince` (performance.now()), when the
   * stream began listening, and at least `atLeastSeq` if the log has reached it.
   */
  snapshot: (options: { listeningSince: number; atLeastSeq: number }) => Promise<RoomSnapshot>;
  /** On a WebSocket: live events are written straight to it while the stream is caught up. */
  direct?: DirectFrames;
}

interface LoggedRoomEvent {
  seq: number;
  createdAt: Date;
  event: RoomEventEnvelope;
}

/** A room's logged events after `afterSeq`, in order. */
export async function readRoomLog(db: Db, roomId: number, afterSeq: number, limit = READ_BATCH): Promise<LoggedRoomEvent[]> {
  const rows = await db
    .select()
    .from(conversationEvents)
    .where(and(eq(conversationEvents.conversationId, roomId), gt(conversationEvents.seq, afterSeq)))
    .orderBy(asc(conversationEvents.seq))
    .limit(limit);
  return rows.map((row) => {
    const stored = fromRow(row);
    return { seq: row.seq, createdAt: row.createdAt, event: { ...stored.payload, roomId, seq: row.seq } as unknown as RoomEventEnvelope };
  });
}

/** The events after which a member's room stream ends: the room is gone, or they are out. */
function endsStreamFor(event: RoomEventEnvelope, userId: number): boolean {
  return event.type === 'room.dissolved' || ((event.type === 'room.member_left' || event.type === 'room.member_kicked') && event.userId === userId);
}

/**
 * One member's view of a room as a stream: a snapshot of the room's state first, then the
 * room's logged events in seq order, each `tracked` by its seq. A resumed stream gets the
 * snapshot (as of its latest seq) and then every logged event after `lastEventId`, so chat
 * is gapless and state events replayed in order end at the snapshot's state. A live event
 * whose seq skips ahead reveals a gap, filled from the log; positions the log no longer holds
 * yield `resync` and a fresh snapshot. Ephemeral events (typing, drift) travel at the current
 * position. The stream ends after an event that removes the caller or dissolves the room.
 */
export async function* roomEventStream(deps: { hub: RoomHub; db: Db; metrics?: Metrics }, args: RoomStreamArgs) {
  let last = 0;
  const buffer = new LiveBuffer<RoomDelivery, RoomEvent, number>(() => last);
  const { live, ephemeral } = buffer;
  // Subscribed to the room's channel before the snapshot is read, so nothing falls between.
  const unlisten = await deps.hub.listen(args.roomId, buffer);
  const listeningSince = performance.now();
  const onAbort = () => buffer.interrupt();
  args.signal?.addEventListener('abort', onAbort);
  const direct = args.direct;
  if (direct) {
    // Only the event that continues the stream, and never one that ends it (the stream must).
    buffer.direct = {
      live: (delivery) => {
        if (delivery.seq !== last + 1 || endsStreamFor(delivery.event, args.userId)) return false;
        if (!direct.write(String(delivery.seq), delivery.event)) return false;
        last = delivery.seq;
        return true;
      },
      ephemeral: (event) => direct.write(String(last), event),
    };
  }

  /** Reads the log after `last`: its events, or null if the log no longer reaches back there. */
  async function readAfterLast(): Promise<LoggedRoomEvent[] | null> {
    const rows = await readRoomLog(deps.db, args.roomId, last);
    return rows.length > 0 && rows[0]!.seq !== last + 1 ? null : rows;
  }

  /**
   * Yields the snapshot (after `resync` if the position is unknown or expired) and returns the
   * logged events to replay. Its own frame holds the snapshot, so it is dropped once sent: a big
   * room's snapshot kept by every subscriber would add up.
   */
  async function* open() {
    const resumeFrom = args.lastEventId == null ? null : /^\d{1,15}$/.test(args.lastEventId) ? Number(args.lastEventId) : -1;
    const start = await args.snapshot({ listeningSince, atLeastSeq: Math.max(0, resumeFrom ?? 0) });
    let pending: LoggedRoomEvent[] = [];
    if (resumeFrom === null) {
      last = start.seq;
    } else if (resumeFrom < 0 || resumeFrom > start.seq) {
      last = start.seq;
      deps.metrics?.eventResynced();
      yield tracked(String(last), { type: 'resync', reason: 'unknown_position' } satisfies RoomEvent);
    } else {
      last = resumeFrom;
      const rows = await readAfterLast();
      if (rows === null) {
        last = start.seq;
        deps.metrics?.eventResynced();
        yield tracked(String(last), { type: 'resync', reason: 'expired' } satisfies RoomEvent);
      } else {
        pending = rows;
      }
    }
    // Snapshots are shared by subscribers arriving together (a whole room after a restart), and
    // serialized once; each gets its own copy, whose sending tells the direct writer this
    // subscription's id. A snapshot is big and reaches few at a time, so it is compressed.
    const snapshot = sendOnce(shareEvent(start.event, { compress: true }), { compress: true });
    yield tracked(String(last), (direct ? direct.bindFirst(snapshot) : snapshot) as RoomEvent);
    return pending;
  }

  try {
    let pending = yield* open();

    while (!args.signal?.aborted) {
      if (buffer.mustRead && pending.length === 0) {
        buffer.mustRead = false;
        const rows = await readAfterLast();
        if (rows === null) {
          const fresh = await args.snapshot({ listeningSince: performance.now(), atLeastSeq: last });
          last = fresh.seq;
          deps.metrics?.eventResynced();
          yield tracked(String(last), { type: 'resync', reason: 'expired' } satisfies RoomEvent);
          yield tracked(String(last), fresh.event as RoomEvent);
          continue;
        }
        pending = rows;
        if (rows.length === READ_BATCH) buffer.mustRead = true;
      }
      // Logged events read from the database, then live ones that continue them.
      while (pending.length > 0) {
        const row = pending.shift()!;
        if (row.seq <= last) continue;
        last = row.seq;
        if (row.createdAt < args.visibleFrom) continue;
        yield tracked(String(row.seq), row.event as RoomEvent);
        if (endsStreamFor(row.event, args.userId)) return;
      }
      if (buffer.mustRead) continue;
      while (live.length > 0 && !buffer.mustRead) {
        const delivery = live.shift()!;
        if (delivery.seq <= last) continue;
        if (delivery.seq !== last + 1) {
          buffer.mustRead = true;
          break;
        }
        last = delivery.seq;
        yield tracked(String(delivery.seq), delivery.event as RoomEvent);
        if (endsStreamFor(delivery.event, args.userId)) return;
      }
      while (ephemeral.length > 0) yield tracked(String(last), ephemeral.shift()!);
      if (buffer.mustRead || live.length > 0) continue;
      await buffer.arrival(args.signal);
    }
  } finally {
    args.signal?.removeEventListener('abort', onAbort);
    direct?.close();
    unlisten();
  }
}
