import { describe, expect, it } from 'vitest';
import type { Message } from '../types';
import { patchThread, withReply, withThreadState, type ThreadData, type ThreadPage } from './threadCache';

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
  threadRootId: id === 1 ? null : 1,
  thread: null,
  ...extra,
});
const page = (ids: number[], nextCursor: number | null): ThreadPage => ({
  root: message(1),
  items: ids.map((id) => message(id)),
  nextCursor,
  following: true,
  lastReadReplyId: 0,
});
const data = (...pages: ThreadPage[]): ThreadData => ({ pages, pageParams: pages.map(() => null) });
const ids = (thread: ThreadData) => thread.pages.map((entry) => entry.items.map((item) => item.id));

describe('thread cache', () => {
  it('appends a new reply to the last page, in id order, and keeps a replayed one once', () => {
    const thread = data(page([2, 3], 3), page([5], null));
    expect(ids(withReply(thread, message(7)))).toEqual([
      [2, 3],
      [5, 7],
    ]);
    expect(ids(withReply(withReply(thread, message(6)), message(4)))).toEqual([
      [2, 3],
      [4, 5, 6],
    ]);
    const edited = withReply(thread, message(5, { text: 'edited' }));
    expect(ids(edited)).toEqual([[2, 3], [5]]);
    expect(edited.pages[1]!.items[0]!.text).toBe('edited');
  });

  it('leaves a new reply to the pages still to be read when the last one is not loaded', () => {
    const thread = data(page([2, 3], 3));
    expect(withReply(thread, message(9))).toBe(thread);
  });

  it('patches the root and replies on every page, and sets the caller state everywhere', () => {
    const thread = data(page([2], 2), page([4], null));
    const summary = { replyCount: 2, lastReplyAt: at, participantIds: [7] };
    const patched = patchThread(
      patchThread(thread, 1, (root) => ({ ...root, thread: summary })),
      4,
      (reply) => ({ ...reply, text: null }),
    );
    expect(patched.pages.map((entry) => entry.root.thread)).toEqual([summary, summary]);
    expect(patched.pages[1]!.items[0]!.text).toBeNull();
    expect(withThreadState(thread, { following: false }).pages.every((entry) => !entry.following)).toBe(true);
  });
});
