import { tracked } from '@trpc/server';
import type { Delivery, EventHub } from './event-hub';
import type { DirectFrames } from '@chorus/transport';
import type { ChorusEvent } from './events';
import type { Metrics } from '../metrics/metrics';
import { LiveBuffer, type DirectDelivery } from './live-buffer';
import { sendOnce } from '@chorus/transport';
import { compareStreamIds, isStreamId } from './stream-ids';
import type { UserStreams } from './user-streams';

const START = '0-0';

export interface UserStreamArgs {
  lastEventId: string | null | undefined;
  signal: AbortSignal | undefined;
  /** The first event of the stream (the presence snapshot). */
  snapshot: () => Promise<ChorusEvent>;
  /** On a WebSocket: live events are written straight to it while the stream is caught up. */
  direct?: DirectFrames;
  /** Called as the stream starts; what it returns is called once the stream has ended (presence). */
  hold?: () => Promise<() => Promise<void>>;
}

/**
 * One user's event stream: subscribe to live deliveries first, then replay what the stream
 * holds after `lastEventId`, then go live, dropping anything already yielded. Whatever may have
 * been missed live (a lost pub/sub message, an overflow) is read from the stream first: the hub
 * says so before it hands over anything later. Positions past retention yield `resync`.
 *
 * Every event is `tracked`: persisted ones with their own id, ephemeral ones with the current
 * position, so a reconnect always resumes after the last persisted event seen. The presence
 * snapshot comes first on a new subscription; a resumed one gets the missed events first and
 * then the snapshot, at the position they reached: the client takes every id it receives as
 * its resume position, so an id ahead of the replay would skip what the replay had yet to
 * deliver if the connection dropped, and an id behind what the client already has (a socket
 * handed over while the old one still delivered) would replay that again.
 */
export async function* userEventStream(deps: StreamDeps, userId: number, args: UserStreamArgs) {
  const { lastEventId, signal, snapshot, direct } = args;
  const release = await args.hold?.();
  // Where the stream is: the id of the last event passed on (read and moved by the direct writer too).
  const at: Position = { last: START };
  const buffer = new LiveBuffer<Delivery, ChorusEvent, string>(() => at.last);
  const { live, ephemeral } = buffer;
  // Listening (this instance's route for the user in Redis) before the first read of the
  // stream: an event appended before the route is in the stream, one after it arrives live.
  let unlisten: () => void;
  try {
    unlisten = await deps.hub.listen(userId, buffer);
  } catch (error) {
    await release?.();
    throw error;
  }
  // The buffer is its own abort listener (it wakes the stream): no closure per subscription.
  signal?.addEventListener('abort', buffer);
  if (direct) buffer.direct = new DirectLive(direct, at);

  try {
    // A resumption starts from its own position (its catch-up reads the head itself).
    if (lastEventId && isStreamId(lastEventId)) {
      at.last = lastEventId;
      yield* catchUp(deps, userId, at);
    } else {
      at.last = (await deps.streams.head(userId)) ?? START;
      if (lastEventId) {
        deps.metrics?.eventResynced();
        yield tracked(at.last, { type: 'resync', reason: 'unknown_position' } satisfies ChorusEvent);
      }
    }
    yield* opening(snapshot, direct, at);
    while (!signal?.aborted) {
      if (buffer.mustRead) {
        buffer.mustRead = false;
        yield* catchUp(deps, userId, at);
      }
      while (live.length > 0 && !buffer.mustRead) {
        const delivery = live.shift()!;
        if (compareStreamIds(delivery.id, at.last) <= 0) continue;
        // Each entry names the user's entry before it: one we have not passed on was missed.
        if (delivery.prev !== at.last) {
          buffer.mustRead = true;
          break;
        }
        at.last = delivery.id;
        yield tracked(delivery.id, delivery.event);
      }
      while (ephemeral.length > 0) yield tracked(at.last, ephemeral.shift()!);
      if (buffer.mustRead || live.length > 0) continue;
      await buffer.arrival(signal);
    }
  } finally {
    signal?.removeEventListener('abort', buffer);
    direct?.close();
    unlisten();
    await release?.();
  }
}

type StreamDeps = { hub: EventHub; streams: UserStreams; metrics?: Metrics };

/** A stream's position; an object, so the direct writer and the catch-up share it without closures. */
interface Position {
  last: string;
}

/**
 * Takes live items while the stream sleeps with nothing held (LiveBuffer.direct) and writes them
 * to the socket. A class rather than closures: every idle subscription holds one.
 */
class DirectLive implements DirectDelivery<Delivery, ChorusEvent> {
  constructor(
    private readonly direct: DirectFrames,
    private readonly at: Position,
  ) {}

  live(delivery: Delivery): boolean {
    // Already delivered (a repeat after a catch-up): nothing to do, as in the stream's loop.
    if (compareStreamIds(delivery.id, this.at.last) <= 0) return true;
    // Not the entry after ours: something was missed, the stream reads its log.
    if (delivery.prev !== this.at.last) return false;
    if (!this.direct.write(delivery.id, delivery.event)) return false;
    this.at.last = delivery.id;
    return true;
  }

  ephemeral(event: ChorusEvent): boolean {
    return this.direct.write(this.at.last, event);
  }
}

/** Reads the stream after `at.last`, yielding what follows it; yields resync if it cannot. */
async function* catchUp(deps: StreamDeps, userId: number, at: Position) {
  deps.hub.stats.catchUpReads++;
  for (;;) {
    const head = (await deps.streams.head(userId)) ?? START;
    const { deliveries, continuous } = await deps.streams.readAfter(userId, at.last);
    if (!continuous || (deliveries.length === 0 && head !== at.last)) {
      const reason = compareStreamIds(at.last, head) > 0 || head === START ? 'unknown_position' : 'expired';
      at.last = (await deps.streams.head(userId)) ?? START;
      deps.metrics?.eventResynced();
      yield tracked(at.last, { type: 'resync', reason } satisfies ChorusEvent);
      return;
    }
    for (const delivery of deliveries) {
      at.last = delivery.id;
      yield tracked(delivery.id, delivery.event);
    }
    if (deliveries.length < 500) return;
  }
}

/**
 * Yields the snapshot from a frame of its own, dropped once it is sent: a local of the stream
 * would keep every subscriber's snapshot for as long as it waits.
 */
async function* opening(snapshot: () => Promise<ChorusEvent>, direct: DirectFrames | undefined, at: Position) {
  // Sending the snapshot tells the direct writer this subscription's id.
  const first = await snapshot();
  const own = sendOnce(first, { compress: true });
  yield tracked(at.last, direct ? direct.bindFirst(own) : own);
}
