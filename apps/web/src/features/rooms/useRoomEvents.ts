import type { DriftView, PlaybackState, PublicMessage, RoomEvent } from '@chorus/client';
import { useEffect, useReducer } from 'react';
import { chorus } from '../../app/client';

type Snapshot = Extract<RoomEvent, { type: 'room.snapshot' }>;
export type RoomSettings = Snapshot['room'];
export type RoomMember = Omit<Snapshot['members'][number], 'presence'> & { presence?: Snapshot['members'][number]['presence'] };

export interface RoomLive {
  /** False until the first snapshot arrives. */
  ready: boolean;
  room: RoomSettings | null;
  members: RoomMember[];
  playback: PlaybackState | null;
  /** Chat messages received live (history comes from chat.history). */
  messages: PublicMessage[];
  /** The latest drift summary: who is out of sync. */
  outOfSync: DriftView[];
  /** Why the stream ended for good, if it did. */
  ended: 'dissolved' | 'removed' | null;
}

const initial: RoomLive = { ready: false, room: null, members: [], playback: null, messages: [], outOfSync: [], ended: null };

type Action = { event: RoomEvent; me: number } | { ended: 'removed' } | { reset: true };

function upsertMessage(list: PublicMessage[], message: PublicMessage): PublicMessage[] {
  const at = list.findIndex((m) => m.id === message.id);
  if (at === -1) return [...list, message];
  return list.map((m, i) => (i === at ? message : m));
}

function reduce(state: RoomLive, action: Action): RoomLive {
  if ('reset' in action) return initial;
  if ('ended' in action) return state.ended ? state : { ...state, ended: action.ended };
  const { event, me } = action;
  switch (event.type) {
    case 'room.snapshot':
      return { ...state, ready: true, room: event.room, members: event.members, playback: event.playback, outOfSync: event.drift.filter((d) => !d.inSync) };
    case 'room.member_joined':
      return { ...state, members: [...state.members.filter((m) => m.userId !== event.member.userId), event.member] };
    case 'room.member_left':
    case 'room.member_kicked':
      return {
        ...state,
        members: state.members.filter((m) => m.userId !== event.userId),
        ended: event.userId === me ? 'removed' : state.ended,
      };
    case 'room.member_role':
      return { ...state, members: state.members.map((m) => (m.userId === event.userId ? { ...m, role: event.role } : m)) };
    case 'room.settings':
      return { ...state, room: event.room };
    case 'room.playback':
      return { ...state, playback: event.playback, outOfSync: [] };
    case 'room.dissolved':
      return { ...state, ended: 'dissolved' };
    case 'playback.drift':
      return { ...state, outOfSync: event.outOfSync };
    case 'message.created':
    case 'message.updated':
      // A thread reply is shown under its root, not in the room's chat.
      if (event.message.threadRootId !== null) return state;
      return { ...state, messages: upsertMessage(state.messages, event.message) };
    case 'message.deleted':
      return { ...state, messages: state.messages.map((m) => (m.id === event.messageId ? { ...m, deletedAt: event.at, text: null } : m)) };
    default:
      return state;
  }
}

/**
 * The room's live state from `rooms.events`: a snapshot first, then its log in order. The
 * client resubscribes after a dropped socket with the last event id (a fresh snapshot, then
 * what was missed), so this only has to apply events as they come.
 */
export function useRoomEvents(roomId: number, me: number, enabled: boolean): RoomLive {
  const [state, dispatch] = useReducer(reduce, initial);
  useEffect(() => {
    if (!enabled) return;
    dispatch({ reset: true });
    const subscription = chorus.rooms.events.subscribe(
      { roomId },
      {
        onData: ({ data }) => dispatch({ event: data, me }),
        // Members only: the stream fails or ends once we are out of the room.
        onError: (error) => {
          console.warn('room events ended', error);
          dispatch({ ended: 'removed' });
        },
        onComplete: () => dispatch({ ended: 'removed' }),
      },
    );
    return () => subscription.unsubscribe();
  }, [roomId, me, enabled]);
  return state;
}
