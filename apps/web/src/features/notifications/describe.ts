import type { RouterOutputs } from '@chorus/client';
import type { notificationMessages } from './messages';

export type Notification = RouterOutputs['notifications']['list']['items'][number];
type Key = keyof typeof notificationMessages.en;

/** What a notification says and where opening it goes, from its type and payload. */
export interface Described {
  key: Key;
  /** The user it is about, whose name fills `{name}`. */
  userId: number | null;
  vars: Record<string, string>;
  to: string;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function describe(notification: Notification): Described {
  const p = notification.payload;
  const room = str(p.roomName);
  const roomPath = num(p.roomId) === null ? '/rooms' : `/rooms/${num(p.roomId)}`;
  switch (notification.type) {
    case 'friend_request': {
      const message = str(p.message);
      return { key: message ? 'friendRequestMessage' : 'friendRequest', userId: num(p.fromUserId), vars: { message }, to: '/friends' };
    }
    case 'friend_accepted':
      return { key: 'friendAccepted', userId: num(p.userId), vars: {}, to: '/friends' };
    case 'mention': {
      const conversationId = num(p.conversationId);
      return { key: 'mention', userId: num(p.senderId), vars: { excerpt: str(p.excerpt) }, to: conversationId === null ? '/' : `/chat/${conversationId}` };
    }
    case 'room_invite':
      return { key: 'roomInvite', userId: num(p.inviterId), vars: { room }, to: roomPath };
    case 'room_application':
      return { key: 'roomApplication', userId: num(p.userId), vars: { room }, to: roomPath };
    case 'application_result':
      return { key: p.approved === true ? 'applicationApproved' : 'applicationRejected', userId: null, vars: { room }, to: roomPath };
    case 'system':
      if (p.kind === 'room_kicked') return { key: p.banned === true ? 'roomBanned' : 'roomKicked', userId: null, vars: { room }, to: '/rooms' };
      if (p.kind === 'missed_call') return { key: p.media === 'video' ? 'missedVideoCall' : 'missedCall', userId: num(p.from), vars: {}, to: '/' };
      return { key: 'other', userId: null, vars: {}, to: '/notifications' };
  }
}
