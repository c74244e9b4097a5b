import type { AppDeps } from '../deps';
import type { RoomSnapshot } from '../realtime/room-stream';
import { roomSnapshot } from './queries.service';

/** A snapshot this fresh serves further subscribers of the room. */
const REUSE_MS = 500;

type Entry = { startedAt: number; snapshot: Promise<RoomSnapshot> };
const perApp = new WeakMap<AppDeps, Map<number, Entry>>();

/**
 * Subscribers arriving together (a whole room reconnecting after a restart) share one
 * snapshot instead of each reading every member. A subscriber may only take a snapshot begun
 * after it started listening: whatever commits after the snapshot's read is then published
 * after the subscriber listens, so it arrives live. An older snapshot could miss events that
 * were published before the subscriber listened.
 */
export async function queueRoomSnapshot(deps: AppDeps, roomId: number, options: { listeningSince: number; atLeastSeq: number }): Promise<RoomSnapshot> {
  const shared = await sharedSnapshot(deps, roomId, options.listeningSince);
  // A client resuming from a position newer than the shared snapshot needs a newer one.
  return shared.seq >= options.atLeastSeq ? shared : roomSnapshot(deps, roomId);
}

function sharedSnapshot(deps: AppDeps, roomId: number, listeningSince: number): Promise<RoomSnapshot> {
  let inFlight = perApp.get(deps);
  if (!inFlight) perApp.set(deps, (inFlight = new Map()));
  const now = performance.now();
  const current = inFlight.get(roomId);
  if (current && current.startedAt >= listeningSince && now - current.startedAt < REUSE_MS) return current.snapshot;
  const snapshot = roomSnapshot(deps, roomId);
  const entry = { startedAt: now, snapshot };
  inFlight.set(roomId, entry);
  const forget = () => inFlight.get(roomId) === entry && inFlight.delete(roomId);
  snapshot.then(() => setTimeout(forget, REUSE_MS).unref(), forget);
  return snapshot;
}
