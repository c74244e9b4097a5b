import { rooms, type TMemberRole, type TRoomRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { DriftView, PlaybackState } from '../realtime/events';
import { DRIFT_TOLERANCE_SEC, clearDrift, storeDrift } from './drift';
import { inRoomTransaction, loadRoom, requireRoomMember } from './room-access';
import { positionAt, toPlaybackState } from './room-views';
import type { TPlaybackControlInput, TPlaybackReportInput } from './rooms.schema';

function mayControl(room: TRoomRow, role: TMemberRole): boolean {
  if (role === 'owner') return true;
  if (room.controlPolicy === 'everyone') return true;
  return room.controlPolicy === 'admins' && role === 'admin';
}

function requireSync(room: TRoomRow): void {
  if (!room.syncEnabled) throw new AppError('SYNC_DISABLED', 'Synchronized playback is off in this room');
}

/** The state after `action`, applied at `now` to the current state. */
function nextPlayback(current: PlaybackState, input: TPlaybackControlInput, now: Date, userId: number): PlaybackState {
  const here = positionAt(current, now);
  const base = { ...current, positionSec: here, updatedAt: now, updatedBy: userId };
  switch (input.action) {
    case 'set_media':
      return { ...base, mediaUrl: input.mediaUrl!, positionSec: input.positionSec ?? 0, paused: true };
    case 'play':
      return { ...base, positionSec: input.positionSec ?? here, paused: false };
    case 'pause':
      return { ...base, positionSec: input.positionSec ?? here, paused: true };
    case 'seek':
      return { ...base, positionSec: input.positionSec! };
    case 'set_rate':
      return { ...base, rate: input.rate! };
  }
}

/**
 * Changes the authoritative playback: for the owner, and for the members the room's control
 * policy names. Every change is logged, so members (and late joiners) receive it in order.
 */
export async function controlPlayback(deps: AppDeps, userId: number, input: TPlaybackControlInput): Promise<PlaybackState> {
  const playback = await inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    const role = requireRoomMember(ctx);
    requireSync(ctx.room);
    if (!mayControl(ctx.room, role)) throw new AppError('FORBIDDEN', 'You may not control playback in this room');
    if (input.action !== 'set_media' && !ctx.room.mediaUrl) throw new AppError('NO_MEDIA', 'Set the media first');
    const next = nextPlayback(toPlaybackState(ctx.room), input, ctx.now, userId);
    await ctx.tx
      .update(rooms)
      .set({
        mediaUrl: next.mediaUrl,
        paused: next.paused,
        positionSec: next.positionSec,
        rate: next.rate,
        playbackUpdatedAt: next.updatedAt,
        playbackUpdatedBy: userId,
      })
      .where(eq(rooms.id, input.roomId));
    await ctx.log({ type: 'room.playback', action: input.action, playback: next });
    return next;
  });
  // Reports measured against the old state mean nothing now.
  await clearDrift(deps, input.roomId, null);
  return playback;
}

/** A member's player position: its drift against the authoritative position is kept and summed up for the room. */
export async function reportPlayback(deps: AppDeps, userId: number, input: TPlaybackReportInput): Promise<DriftView> {
  const access = await loadRoom(deps.db, input.roomId, userId);
  requireRoomMember(access);
  requireSync(access.room);
  const now = deps.clock.now();
  const playback = toPlaybackState(access.room);
  const driftSec = Math.round((input.positionSec - positionAt(playback, now)) * 1000) / 1000;
  const view: DriftView = {
    userId,
    positionSec: input.positionSec,
    paused: input.paused,
    driftSec,
    inSync: Math.abs(driftSec) <= DRIFT_TOLERANCE_SEC && input.paused === playback.paused,
    reportedAt: now,
  };
  await storeDrift(deps, input.roomId, view);
  return view;
}

/** One leg of an NTP-style exchange: offset ≈ serverTime − (clientTime + receivedAt) / 2. */
export function roomClock(deps: Pick<AppDeps, 'clock'>, clientTime: number): { clientTime: number; serverTime: number } {
  return { clientTime, serverTime: deps.clock.now().getTime() };
}
