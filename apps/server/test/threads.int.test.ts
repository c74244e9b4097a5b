// Threads through the real client against a real server: replies under a root, the root's
// summary wherever messages are returned, paging, follow state, per-thread unread counts, and
// every refusal (typed, with nothing written).
import {
  collectEvents,
  createShiftableClock,
  failure,
  startMailedTestServer,
  type FakeResend,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { messages, threadFollowers } from '@chorus/db';
import { appCodeOf } from '@chorus/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;
let group: number;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
  ann = await accounts.register('ann');
  ben = await accounts.register('ben');
  cat = await accounts.register('cat');
  dan = await accounts.register('dan');
  ({ conversationId: group } = await ann.client.chat.createGroup.mutate({ name: 'threads', memberIds: [ben.id, cat.id] }));
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string, threadRootId?: number) => ({
  conversationId,
  clientId: `t${++clientIds}`,
  kind: 'text' as const,
  text: body,
  ...(threadRootId ? { threadRootId } : {}),
});
const listed = async (account: TestAccount, conversationId: number) =>
  (await account.client.chat.list.query()).items.find((item) => item.id === conversationId)!;

describe('threads', () => {
  it('replies stay out of the main history; the root carries the summary in history, events and the thread page', async () => {
    const annEvents = collectEvents(ann.client);
    await annEvents.waitFor((event) => event.type === 'presence.snapshot');
    const root = await ann.client.chat.send.mutate(text(group, 'lunch?'));
    const first = await ben.client.chat.send.mutate(text(group, 'yes', root.id));
    clock.advance(1000);
    const second = await cat.client.chat.send.mutate(text(group, 'me too', root.id));
    const third = await ben.client.chat.send.mutate(text(group, 'noon', root.id));
    expect(first).toMatchObject({ threadRootId: root.id, thread: null });

    // The reply's message.created, then the root's thread.updated, one seq apart.
    const updated = await annEvents.waitFor((event) => event.type === 'thread.updated' && event.thread.replyCount === 3);
    const created = annEvents.received.find((entry) => entry.data.type === 'message.created' && entry.data.message.id === third.id)!.data;
    expect('seq' in created && 'seq' in updated && updated.seq === created.seq + 1).toBe(true);
    expect(updated).toMatchObject({
      conversationId: group,
      rootId: root.id,
      thread: { replyCount: 3, lastReplyAt: third.createdAt, participantIds: [ben.id, cat.id] },
    });
    annEvents.stop();

    const history = await cat.client.chat.history.query({ conversationId: group });
    expect(history.map((message) => message.id)).toEqual([root.id]);
    expect(history[0]!.thread).toEqual({ replyCount: 3, lastReplyAt: third.createdAt, participantIds: [ben.id, cat.id] });
    // The conversation's last message and unread count are its main history's.
    const summary = await listed(cat, group);
    expect(summary.lastMessage?.id).toBe(root.id);
    expect(summary.unreadCount).toBe(1);

    const page1 = await cat.client.chat.thread.query({ rootId: root.id, limit: 2 });
    expect(page1.root).toMatchObject({ id: root.id, thread: { replyCount: 3 } });
    expect(page1.items.map((message) => message.id)).toEqual([first.id, second.id]);
    expect(page1).toMatchObject({ following: true, lastReadReplyId: second.id });
    const page2 = await cat.client.chat.thread.query({ rootId: root.id, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((message) => message.id)).toEqual([third.id]);
    expect(page2.nextCursor).toBeNull();

    // An edit of the root keeps its summary in the event.
    const edited = await ann.client.chat.edit.mutate({ messageId: root.id, text: 'lunch at noon?' });
    expect(edited.thread?.replyCount).toBe(3);
  });

  it('replies racing edits, reactions, follows, read markers and a delete of their root all succeed, and the count stays exact', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'race', memberIds: [ben.id, cat.id] });
    const root = await ann.client.chat.send.mutate(text(conversationId, 'busy root'));
    const replies = Array.from({ length: 24 }, (_, n) => [ben, cat][n % 2]!.client.chat.send.mutate(text(conversationId, `r${n}`, root.id)));
    const first = await ben.client.chat.send.mutate(text(conversationId, 'first', root.id));
    const others = Array.from({ length: 8 }, (_, n) => [
      cat.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: first.id }),
      (n % 2 ? ann.client.chat.followThread : ann.client.chat.unfollowThread).mutate({ rootId: root.id }),
      ann.client.chat.edit.mutate({ messageId: root.id, text: `busy root ${n}` }),
      cat.client.chat.react.mutate({ messageId: root.id, emoji: `e${n}` }),
      ben.client.chat.react.mutate({ messageId: root.id, emoji: `e${n}` }).then(() => ben.client.chat.unreact.mutate({ messageId: root.id, emoji: `e${n}` })),
    ]).flat();
    const settled = await Promise.allSettled([...replies, ...others]);
    expect(settled.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []))).toEqual([]);
    const page = await cat.client.chat.thread.query({ rootId: root.id, limit: 200 });
    expect(page.items).toHaveLength(25);
    expect(page.root.thread?.replyCount).toBe(25);
    expect(page.root.reactions.map((reaction) => reaction.userIds)).toEqual(Array.from({ length: 8 }, () => [cat.id]));
    // A delete racing replies: each reply lands before it (counted) or is refused after it.
    const late = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, n) => ben.client.chat.send.mutate(text(conversationId, `late${n}`, root.id))),
      ann.client.chat.delete.mutate({ messageId: root.id }),
    ]);
    const refused = late.flatMap((result) => (result.status === 'rejected' ? [appCodeOf(result.reason)] : []));
    expect(refused).toEqual(refused.map(() => 'CONFLICT'));
    const after = await cat.client.chat.thread.query({ rootId: root.id, limit: 200 });
    expect(after.root.deletedAt).not.toBeNull();
    expect(after.root.thread?.replyCount).toBe(25 + 10 - refused.length);
    expect(after.items).toHaveLength(25 + 10 - refused.length);
  });

  it('participants are the latest five distinct repliers, most recent first', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'many', memberIds: [ben.id, cat.id, dan.id] });
    const root = await ann.client.chat.send.mutate(text(conversationId, 'vote'));
    for (const account of [ben, cat, dan, ann, ben]) await account.client.chat.send.mutate(text(conversationId, 'me', root.id));
    const [shown] = await dan.client.chat.history.query({ conversationId });
    expect(shown!.thread).toMatchObject({ replyCount: 5, participantIds: [ben.id, ann.id, dan.id, cat.id] });
  });

  it('authors, repliers and mentioned users follow; unread counts per followed thread; read markers; unfollow', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'follow', memberIds: [ben.id, cat.id, dan.id] });
    const root = await ann.client.chat.send.mutate(text(conversationId, 'plan'));
    const r1 = await ben.client.chat.send.mutate(text(conversationId, 'ask @cat', root.id));
    const r2 = await ben.client.chat.send.mutate(text(conversationId, 'more', root.id));
    // Ann (root author) and cat (mentioned) follow and have two unread; ben wrote them; dan does not follow.
    expect((await listed(ann, conversationId)).threadUnread).toEqual({ threads: 1, replies: 2 });
    expect((await listed(cat, conversationId)).threadUnread).toEqual({ threads: 1, replies: 2 });
    expect((await listed(ben, conversationId)).threadUnread).toEqual({ threads: 0, replies: 0 });
    expect((await listed(dan, conversationId)).threadUnread).toEqual({ threads: 0, replies: 0 });
    // Thread replies never count in the main unread count.
    expect((await listed(cat, conversationId)).unreadCount).toBe(1);
    // Cat's mention notification names the thread.
    const notes = await cat.client.notifications.list.query();
    expect(notes.items.find((note) => note.payload.messageId === r1.id)?.payload).toMatchObject({ threadRootId: root.id, conversationId });

    const catEvents = collectEvents(cat.client);
    await catEvents.waitFor((event) => event.type === 'presence.snapshot');
    expect(await cat.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: r1.id })).toEqual({ lastReadReplyId: r1.id });
    await catEvents.waitFor((event) => event.type === 'thread.read' && event.rootId === root.id && event.lastReadReplyId === r1.id);
    catEvents.stop();
    expect((await listed(cat, conversationId)).threadUnread).toEqual({ threads: 1, replies: 1 });
    // Another reader marking the same reply gets their own event.
    const annEvents = collectEvents(ann.client);
    await annEvents.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: r1.id });
    await annEvents.waitFor((event) => event.type === 'thread.read' && event.rootId === root.id && event.lastReadReplyId === r1.id);
    annEvents.stop();
    // Markers never move back.
    await cat.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: r2.id });
    expect(await cat.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: r1.id })).toEqual({ lastReadReplyId: r2.id });
    expect((await listed(cat, conversationId)).threadUnread).toEqual({ threads: 0, replies: 0 });

    // Dan follows by hand; ann unfollows and stays unfollowed when others reply.
    expect(await dan.client.chat.followThread.mutate({ rootId: root.id })).toEqual({ following: true });
    expect(await ann.client.chat.unfollowThread.mutate({ rootId: root.id })).toEqual({ following: false });
    await ben.client.chat.send.mutate(text(conversationId, 'again', root.id));
    expect((await listed(dan, conversationId)).threadUnread).toEqual({ threads: 1, replies: 3 });
    expect((await listed(ann, conversationId)).threadUnread).toEqual({ threads: 0, replies: 0 });
    expect((await listed(cat, conversationId)).threadUnread).toEqual({ threads: 1, replies: 1 });
    // Replying (or being mentioned) follows again.
    await cat.client.chat.send.mutate(text(conversationId, 'ping @ann', root.id));
    expect((await ann.client.chat.thread.query({ rootId: root.id })).following).toBe(true);
    // A deleted reply no longer counts as unread.
    const r5 = await ben.client.chat.send.mutate(text(conversationId, 'oops', root.id));
    expect((await listed(dan, conversationId)).threadUnread.replies).toBe(5);
    await ben.client.chat.delete.mutate({ messageId: r5.id });
    expect((await listed(dan, conversationId)).threadUnread.replies).toBe(4);
  });

  it('refuses a reply to a reply, to a deleted root, from a non-member, and to a root in another conversation, writing nothing', async () => {
    const root = await ann.client.chat.send.mutate(text(group, 'root'));
    const reply = await ben.client.chat.send.mutate(text(group, 'reply', root.id));
    const { conversationId: other } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const countMessages = async () => (await server.deps.db.select({ id: messages.id }).from(messages)).length;
    const before = await countMessages();
    const [root0] = await server.deps.db.select().from(messages).where(eq(messages.id, root.id));

    expect(await failure(cat.client.chat.send.mutate(text(group, 'nested', reply.id)))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.send.mutate(text(other, 'elsewhere', root.id)))).toBe('BAD_INPUT');
    // Dan is not a member: the root does not exist for him (and he cannot write there anyway).
    expect(await failure(dan.client.chat.send.mutate(text(group, 'hi', root.id)))).toBe('NOT_FOUND');
    const { conversationId: danChat } = await dan.client.chat.openDirect.mutate({ userId: ann.id });
    expect(await failure(dan.client.chat.send.mutate(text(danChat, 'hi', root.id)))).toBe('NOT_FOUND');
    expect(await failure(dan.client.chat.thread.query({ rootId: root.id }))).toBe('NOT_FOUND');
    expect(await failure(dan.client.chat.followThread.mutate({ rootId: root.id }))).toBe('NOT_FOUND');
    expect(await failure(dan.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: reply.id }))).toBe('NOT_FOUND');
    expect(await failure(ann.client.chat.send.mutate(text(group, 'x', 999_999_999)))).toBe('NOT_FOUND');
    // A reply is not a thread; a message that is not a reply of this root cannot be a marker.
    expect(await failure(cat.client.chat.thread.query({ rootId: reply.id }))).toBe('BAD_INPUT');
    expect(await failure(cat.client.chat.markThreadRead.mutate({ rootId: root.id, messageId: root.id }))).toBe('BAD_INPUT');

    await ann.client.chat.delete.mutate({ messageId: root.id });
    expect(await failure(ben.client.chat.send.mutate(text(group, 'late', root.id)))).toBe('CONFLICT');
    // Nobody starts following a thread that can get no more replies; leaving it still works.
    expect(await failure(cat.client.chat.followThread.mutate({ rootId: root.id }))).toBe('CONFLICT');
    expect(await ben.client.chat.unfollowThread.mutate({ rootId: root.id })).toEqual({ following: false });
    // The deleted root still opens its thread, without its content.
    const page = await ben.client.chat.thread.query({ rootId: root.id });
    expect(page.root).toMatchObject({ text: null, thread: { replyCount: 1 } });
    expect(page.items.map((message) => message.id)).toEqual([reply.id]);

    expect(await countMessages()).toBe(before);
    const [root1] = await server.deps.db.select().from(messages).where(eq(messages.id, root.id));
    expect({ ...root1, deletedAt: null }).toEqual({ ...root0, deletedAt: null });
    const followers = await server.deps.db
      .select()
      .from(threadFollowers)
      .where(and(eq(threadFollowers.rootId, root.id), eq(threadFollowers.userId, dan.id)));
    expect(followers).toEqual([]);
  });

  it('a member of a room that hides earlier history cannot reply to a root from before they joined', async () => {
    const room = await ann.client.rooms.create.mutate({
      name: 'Hidden',
      visibility: 'public',
      joinPolicy: 'open',
      historyVisible: false,
      syncEnabled: true,
      maxMembers: 10,
    });
    const early = await ann.client.chat.send.mutate(text(room.id, 'before ben'));
    const earlyReply = await ann.client.chat.send.mutate(text(room.id, 'also before ben', early.id));
    await ben.client.rooms.join.mutate({ roomId: room.id });
    expect(await failure(ben.client.chat.send.mutate(text(room.id, 'hm', early.id)))).toBe('NOT_FOUND');
    // A reply posted before he joined is hidden like its root.
    expect(await failure(ben.client.chat.react.mutate({ messageId: earlyReply.id, emoji: '👍' }))).toBe('NOT_FOUND');
    expect(await ben.client.chat.history.query({ conversationId: room.id })).toEqual([]);
    expect(await failure(ben.client.chat.thread.query({ rootId: early.id }))).toBe('NOT_FOUND');
    const later = await ann.client.chat.send.mutate(text(room.id, 'after ben'));
    const reply = await ben.client.chat.send.mutate(text(room.id, 'seen', later.id));
    expect((await ben.client.chat.thread.query({ rootId: later.id })).items.map((message) => message.id)).toEqual([reply.id]);
  });
});
