import type { AppDeps } from '../deps';
import type { DirectFrames } from '@chorus/transport';
import { roomEventStream } from '../realtime/room-stream';
import { queueRoomSnapshot } from './snapshot-queue';
import { loadRoom, requireRoomMember } from './room-access';

/**
 * A member's `rooms.events` stream; see roomEventStream for its guarantees. The stream is
 * returned, not wrapped in a generator of this function's own: a wrapping `yield*` would hold
 * the last item it passed on (the snapshot) for as long as the stream waits.
 */
export async function roomEvents(
  deps: AppDeps,
  userId: number,
  input: { roomId: number; lastEventId?: string | null },
  signal: AbortSignal | undefined,
  direct?: DirectFrames,
) {
  const access = await loadRoom(deps.db, input.roomId, userId);
  requireRoomMember(access);
  return roomEventStream(
    { hub: deps.realtime.rooms, db: deps.db, metrics: deps.metrics },
    {
      roomId: input.roomId,
      userId,
      lastEventId: input.lastEventId,
      visibleFrom: access.joinedAt!,
      signal,
      snapshot: (options) => queueRoomSnapshot(deps, input.roomId, options),
      direct,
    },
  );
}
