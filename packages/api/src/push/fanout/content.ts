// What a push shows: the text, only who sent it, or only "new message" (the user's push
// privacy), in the recipient's language for the fixed words.
import type { TMessageKind, TPushPayload, TPushPrivacy } from '@chorus/db';
import { mailLanguage, type MailLanguage } from '../../mail/templates';
import { clipLine } from '../../strings';

// The fixed words in the language mails use for the same locale.
const WORDS = {
  en: {
    app: 'Chorus',
    newMessage: 'New message',
    sentImage: 'sent an image',
    sentFile: 'sent a file',
    incomingCall: 'Incoming call',
    incomingVideoCall: 'Incoming video call',
    newNotification: 'New notification',
    friendRequest: 'sent you a friend request',
    roomInvite: (room: string) => `invited you to ${room}`,
    someRoom: 'invited you to a room',
    inGroup: (sender: string, group: string) => `${sender} in ${group}`,
  },
  zh: {
    app: 'Chorus',
    newMessage: '新消息',
    sentImage: '发送了一张图片',
    sentFile: '发送了一个文件',
    incomingCall: '来电',
    incomingVideoCall: '视频来电',
    newNotification: '新通知',
    friendRequest: '请求添加你为好友',
    roomInvite: (room: string) => `邀请你加入 ${room}`,
    someRoom: '邀请你加入一个房间',
    inGroup: (sender: string, group: string) => `${sender}（${group}）`,
  },
} as const satisfies Record<MailLanguage, unknown>;

/** A message body is cut here: a notification shows a line or two. */
const BODY_MAX = 180;

export interface MessageContent {
  type: TPushPayload['type'];
  conversationId: number;
  messageId: number;
  senderName: string;
  /** Group or room name; null for a direct conversation. */
  conversationName: string | null;
  kind: TMessageKind;
  text: string | null;
}

export function messagePayload(content: MessageContent, privacy: TPushPrivacy, locale: string | null): TPushPayload {
  const words = WORDS[mailLanguage(locale)];
  const base = { type: content.type, conversationId: content.conversationId, messageId: content.messageId, url: `/chat/${content.conversationId}` };
  if (privacy === 'hidden') return { ...base, title: words.app, body: words.newMessage };
  const title = content.conversationName ? words.inGroup(content.senderName, content.conversationName) : content.senderName;
  if (privacy === 'sender') return { ...base, title, body: words.newMessage };
  const body =
    content.kind === 'image' ? words.sentImage : content.kind === 'file' ? words.sentFile : clipLine(content.text ?? '', BODY_MAX) || words.newMessage;
  return { ...base, title, body };
}

export function callPayload(callerName: string, video: boolean, privacy: TPushPrivacy, locale: string | null): TPushPayload {
  const words = WORDS[mailLanguage(locale)];
  const body = video ? words.incomingVideoCall : words.incomingCall;
  return { type: 'call', title: privacy === 'hidden' ? words.app : callerName, body, url: '/calls' };
}

export function friendRequestPayload(fromName: string, privacy: TPushPrivacy, locale: string | null): TPushPayload {
  const words = WORDS[mailLanguage(locale)];
  if (privacy === 'hidden') return { type: 'friend_request', title: words.app, body: words.newNotification, url: '/friends' };
  return { type: 'friend_request', title: fromName, body: words.friendRequest, url: '/friends' };
}

export function roomInvitePayload(roomId: number, inviterName: string, roomName: string, privacy: TPushPrivacy, locale: string | null): TPushPayload {
  const words = WORDS[mailLanguage(locale)];
  const base = { type: 'room_invite' as const, conversationId: roomId, url: `/rooms/${roomId}` };
  if (privacy === 'hidden') return { ...base, title: words.app, body: words.newNotification };
  return { ...base, title: inviterName, body: privacy === 'sender' ? words.someRoom : words.roomInvite(roomName) };
}
