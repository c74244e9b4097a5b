import type { TMemberRole, TRoomRow, TUserRow } from '@chorus/db';
import type { PlaybackState, RoomMemberView, RoomSettingsView } from '../realtime/events';

export function toSettingsView(room: TRoomRow): RoomSettingsView {
  return {
    id: room.id,
    name: room.name,
    description: room.description,
    avatarUrl: room.avatarUrl,
    visibility: room.visibility,
    joinPolicy: room.joinPolicy,
    historyVisible: room.historyVisible,
    syncEnabled: room.syncEnabled,
    controlPolicy: room.controlPolicy,
    pinPolicy: room.pinPolicy,
    maxMembers: room.maxMembers,
    memberCount: room.memberCount,
    ownerId: room.ownerId,
    createdAt: room.createdAt,
  };
}

export function toPlaybackState(room: TRoomRow): PlaybackState {
  return {
    mediaUrl: room.mediaUrl,
    paused: room.paused,
    positionSec: room.positionSec,
    rate: room.rate,
    updatedAt: room.playbackUpdatedAt,
    updatedBy: room.playbackUpdatedBy,
  };
}

/** Where the authoritative playback is at `now`: it advances by `rate` per second while playing. */
export function positionAt(playback: Pick<PlaybackState, 'paused' | 'positionSec' | 'rate' | 'updatedAt'>, now: Date): number {
  if (playback.paused) return playback.positionSec;
  return playback.positionSec + (Math.max(0, now.getTime() - playback.updatedAt.getTime()) / 1000) * playback.rate;
}

export function toMemberView(user: Pick<TUserRow, 'id' | 'username' | 'displayName' | 'avatarUrl'>, role: TMemberRole, joinedAt: Date): RoomMemberView {
  return { userId: user.id, username: user.username, displayName: user.displayName, avatarUrl: user.avatarUrl, role, joinedAt };
}
