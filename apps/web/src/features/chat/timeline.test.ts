import { describe, expect, it } from 'vitest';
import { bumpConversation } from './listCache';
import { deletedMessage, mergeMessages, withMessages, withNewestPage, withPending, withReaction } from './timeline';
import type { Message, Summary, Timeline } from './types';

const at = new Date('2026-01-01T00:00:00Z');
const message = (id: number, extra: Partial<Message> = {}): Message => ({
  id,
  conversationId: 1,
  senderId: 7,
  clientId: `c${id}`,
  kind: 'text',
  text: `m${id}`,
  attachment: null,
  replyToId: null,
  mentions: [],
  reactions: [],
  editedAt: null,
  deletedAt: null,
  createdAt: at,
  preview: null,
  threadRootId: null,
  thread: null,
  ...extra,
});
const ids = (messages: Message[]) => messages.map((entry) => entry.id);
const empty: Timeline = { messages: [], hasOlder: false, pending: [] };

describe('timeline', () => {
  it('keeps each message once, in id order, whatever order pages and events come in', () => {
    let messages = mergeMessages([], [message(5), message(3), message(4)]);
    messages = mergeMessages(messages, [message(6)]);
    messages = mergeMessages(messages, [message(1), message(2)]);
    messages = mergeMessages(messages, [message(4, { text: 'again' }), message(6)]);
    expect(ids(messages)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(messages[3]!.text).toBe('again');
  });

  it('replaces a pending message by the one with its clientId, once, from the answer or the event', () => {
    const pending = { ...empty, messages: [message(1)], pending: [{ clientId: 'mine', kind: 'text' as const, text: 'hi', error: null }] };
    const confirmed = withMessages(pending, [message(2, { clientId: 'mine' })]);
    expect(confirmed.pending).toEqual([]);
    const replayed = withMessages(confirmed, [message(2, { clientId: 'mine' })]);
    expect(ids(replayed.messages)).toEqual([1, 2]);
  });

  it('marks a failed send and drops a discarded one', () => {
    const timeline = { ...empty, pending: [{ clientId: 'a', kind: 'text' as const, text: 'x', error: null }] };
    expect(withPending(timeline, 'a', (entry) => ({ ...entry, error: 'offline' })).pending[0]!.error).toBe('offline');
    expect(withPending(timeline, 'a', () => null).pending).toEqual([]);
  });

  it('starts over when a refetched newest page does not reach what is held (a gap)', () => {
    const held = { ...empty, messages: [message(1), message(2)] };
    const page = Array.from({ length: 3 }, (_, index) => message(10 + index));
    expect(ids(withNewestPage(held, page, 3).messages)).toEqual([10, 11, 12]);
    expect(ids(withNewestPage(held, [message(2), message(3)], 3).messages)).toEqual([1, 2, 3]);
  });

  it('adds and removes reactions once per person, and a deletion clears the content', () => {
    let entry = withReaction(message(1), '👍', 8, true);
    entry = withReaction(entry, '👍', 8, true);
    entry = withReaction(entry, '👍', 9, true);
    expect(entry.reactions).toEqual([{ emoji: '👍', userIds: [8, 9] }]);
    entry = withReaction(withReaction(entry, '👍', 8, false), '👍', 9, false);
    expect(entry.reactions).toEqual([]);
    const gone = deletedMessage(message(1, { reactions: [{ emoji: '👍', userIds: [8] }] }), at);
    expect(gone).toMatchObject({ text: null, reactions: [], deletedAt: at });
  });
});

describe('conversations list', () => {
  const summary = (id: number, lastId: number): Summary => ({
    id,
    kind: 'direct',
    name: null,
    avatarUrl: null,
    peer: null,
    myRole: 'member',
    lastActivityAt: at,
    lastMessage: message(lastId, { conversationId: id }),
    unreadCount: 0,
    threadUnread: { threads: 0, replies: 0 },
    notificationLevel: 'default',
    mutedUntil: null,
  });
  const data = { pages: [{ items: [summary(1, 10), summary(2, 11)], nextCursor: null }], pageParams: [null] };

  it('moves the conversation of a new message to the top and counts it unread once, even when replayed', () => {
    const bumped = bumpConversation(data, message(12, { conversationId: 2 }), true)!;
    expect(bumped.pages[0]!.items.map((item) => [item.id, item.unreadCount])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    expect(bumpConversation(bumped, message(12, { conversationId: 2 }), true)).toBe(bumped);
    expect(bumpConversation(data, message(13, { conversationId: 3 }), true)).toBeNull();
  });
});
