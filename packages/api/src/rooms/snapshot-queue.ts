import type { AppDeps } from '../deps';
import type { RoomSnapshot } from '../realtime/room-stream';
import { roomSnapshot } from './queries.service';

interface RoomQueue {
  /** The snapshot being read now, and when it began (performance.now()). */
  current?: { startedAt: number; snapshot: Promise<RoomSnapshot> };
  /** The next snapshot, begun once `current` is done: everyone waiting shares it. */
  next?: Promise<RoomSnapshot>;
}

const perApp = new WeakMap<AppDeps, Map<number, RoomQueue>>();

/**
 * Subscribers arriving together (a whole room reconnecting after a restart) share snapshots
 * instead of each reading every member. A subscriber may only take a snapshot begun after it
 * started listening: whatever commits after the snapshot's read is then published after the
 * subscriber listens, so it arrives live. So a subscriber joins the snapshot being read if it
 * began late enough, and otherwise waits for the next one, which all subscribers arriving
 * meanwhile share: one read per snapshot duration, however many arrive.
 */
export async function queueRoomSnapshot(deps: AppDeps, roomId: number, options: { listeningSince: number; atLeastSeq: number }): Promise<RoomSnapshot> {
  const shared = await sharedSnapshot(queueOf(deps, roomId), () => roomSnapshot(deps, roomId), options.listeningSince);
  // A client resuming from a position newer than the shared snapshot needs a newer one.
  return shared.seq >= options.atLeastSeq ? shared : roomSnapshot(deps, roomId);
}

function queueOf(deps: AppDeps, roomId: number): RoomQueue & { release(): void } {
  let rooms = perApp.get(deps);
  if (!rooms) perApp.set(deps, (rooms = new Map<number, RoomQueue>()));
  let queue = rooms.get(roomId);
  if (!queue) rooms.set(roomId, (queue = {}));
  const held = queue;
  return Object.assign(held, { release: () => !held.current && !held.next && rooms.get(roomId) === held && rooms.delete(roomId) });
}

function sharedSnapshot(queue: RoomQueue & { release(): void }, read: () => Promise<RoomSnapshot>, listeningSince: number): Promise<RoomSnapshot> {
  if (queue.current && queue.current.startedAt >= listeningSince) return queue.current.snapshot;
  if (queue.next) return queue.next;
  const start = (): Promise<RoomSnapshot> => {
    const snapshot = read();
    const entry = { startedAt: performance.now(), snapshot };
    queue.current = entry;
    const done = () => {
      if (queue.current === entry) queue.current = undefined;
      queue.release();
    };
    snapshot.then(done, done);
    return snapshot;
  };
  if (!queue.current) return start();
  const next = queue.current.snapshot
    .catch(() => undefined)
    .then(() => {
      queue.next = undefined;
      return start();
    });
  queue.next = next;
  return next;
}
