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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
  ann = await accounts.register('ann');
  ben = await accounts.register('ben');
  cat = await accounts.register('cat');
  dan = await accounts.register('dan');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `c${++clientIds}`, kind: 'text' as const, text: body });

describe('direct conversations', () => {
  it('opens one conversation per pair, delivers messages live and keeps strangers out', async () => {
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const first = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const again = await ben.client.chat.openDirect.mutate({ userId: ann.id });
    expect(first.created).toBe(true);
    expect(again).toEqual({ conversationId: first.conversationId, created: false });

    const sent = await ann.client.chat.send.mutate(text(first.conversationId, 'hi @ben'));
    expect(sent.mentions).toEqual([ben.id]);
    const live = await benEvents.waitFor((event) => event.type === 'message.created' && event.message.id === sent.id);
    expect(live).toMatchObject({ conversationId: first.conversationId, message: { text: 'hi @ben', senderId: ann.id } });

    // Cat is no member: nothing to read, send, or see.
    const catEvents = collectEvents(cat.client);
    await catEvents.waitFor((event) => event.type === 'presence.snapshot');
    expect(await failure(cat.client.chat.history.query({ conversationId: first.conversationId }))).toBe('NOT_FOUND');
    expect(await failure(cat.client.chat.get.query({ conversationId: first.conversationId }))).toBe('NOT_FOUND');
    expect(await failure(cat.client.chat.send.mutate(text(first.conversationId, 'let me in')))).toBe('NOT_FOUND');
    expect(await failure(cat.client.chat.react.mutate({ messageId: sent.id, emoji: '👍' }))).toBe('NOT_FOUND');
    await ann.client.chat.send.mutate(text(first.conversationId, 'private'));
    await benEvents.waitFor((event) => event.type === 'message.created' && event.message.text === 'private');
    expect(catEvents.received.filter((entry) => entry.data.type === 'message.created')).toHaveLength(0);
    benEvents.stop();
    catEvents.stop();
  });

  it('a retried send with the same clientId returns the first message, never a duplicate', async () => {
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: cat.id });
    const input = text(conversationId, 'once');
    const results = await Promise.all([ann.client.chat.send.mutate(input), ann.client.chat.send.mutate(input), ann.client.chat.send.mutate(input)]);
    expect(new Set(results.map((message) => message.id)).size).toBe(1);
    expect(await ann.client.chat.send.mutate(input)).toMatchObject({ id: results[0].id });
    const history = await cat.client.chat.history.query({ conversationId });
    expect(history.filter((message) => message.text === 'once')).toHaveLength(1);
    // Keys match exactly: another case (or another emoji) is another message.
    const lower = await ann.client.chat.send.mutate({ ...text(conversationId, 'lower'), clientId: 'key-abc-🎉' });
    const upper = await ann.client.chat.send.mutate({ ...text(conversationId, 'upper'), clientId: 'KEY-ABC-🎉' });
    const emoji = await ann.client.chat.send.mutate({ ...text(conversationId, 'emoji'), clientId: 'key-abc-👍' });
    expect(new Set([lower.id, upper.id, emoji.id]).size).toBe(3);
    expect(await failure(ann.client.chat.send.mutate({ ...text(conversationId, 'x'.repeat(4001)) }))).toBe('BAD_INPUT');
  });

  it('a user blocked by the other cannot open or write to the conversation', async () => {
    const { conversationId } = await dan.client.chat.openDirect.mutate({ userId: cat.id });
    const before = text(conversationId, 'sent before the block');
    const first = await dan.client.chat.send.mutate(before);
    await cat.client.friends.block.mutate({ userId: dan.id });
    expect(await failure(dan.client.chat.send.mutate(text(conversationId, 'hello?')))).toBe('FORBIDDEN');
    // A retry of what went through before the block still answers with that message.
    expect(await dan.client.chat.send.mutate(before)).toEqual(first);
    expect(await failure(dan.client.chat.openDirect.mutate({ userId: cat.id }))).toBe('FORBIDDEN');
    await cat.client.friends.unblock.mutate({ userId: dan.id });
    await expect(dan.client.chat.send.mutate(text(conversationId, 'hello again'))).resolves.toHaveProperty('id');
  });
});

describe('groups', () => {
  it('enforces owner, admin and member permissions, and a removed member stops receiving', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'crew', memberIds: [ben.id, cat.id] });
    expect(await failure(cat.client.chat.addMembers.mutate({ conversationId, userIds: [dan.id] }))).toBe('FORBIDDEN');
    expect(await failure(ben.client.chat.setRole.mutate({ conversationId, userId: cat.id, role: 'admin' }))).toBe('FORBIDDEN');
    await ann.client.chat.setRole.mutate({ conversationId, userId: ben.id, role: 'admin' });
    expect(await ben.client.chat.addMembers.mutate({ conversationId, userIds: [dan.id] })).toEqual({ added: [dan.id] });
    expect(await failure(ben.client.chat.removeMember.mutate({ conversationId, userId: ann.id }))).toBe('FORBIDDEN');
    expect(await failure(ann.client.chat.leave.mutate({ conversationId }))).toBe('FORBIDDEN');
    expect(await failure(cat.client.chat.update.mutate({ conversationId, name: 'mine' }))).toBe('FORBIDDEN');
    expect(await ben.client.chat.update.mutate({ conversationId, name: 'crew 2' })).toMatchObject({ name: 'crew 2' });

    const danEvents = collectEvents(dan.client);
    const cats = collectEvents(cat.client);
    await danEvents.waitFor((event) => event.type === 'presence.snapshot');
    await cats.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.send.mutate(text(conversationId, 'before removal'));
    await danEvents.waitFor((event) => event.type === 'message.created' && event.message.text === 'before removal');
    await ben.client.chat.removeMember.mutate({ conversationId, userId: dan.id });
    await danEvents.waitFor((event) => event.type === 'member.removed' && event.userId === dan.id);
    await ann.client.chat.send.mutate(text(conversationId, 'after removal'));
    await cats.waitFor((event) => event.type === 'message.created' && event.message.text === 'after removal');
    expect(danEvents.received.some((entry) => entry.data.type === 'message.created' && entry.data.message.text === 'after removal')).toBe(false);
    expect(await failure(dan.client.chat.history.query({ conversationId }))).toBe('NOT_FOUND');

    await ann.client.chat.transferOwnership.mutate({ conversationId, userId: cat.id });
    expect((await ann.client.chat.get.query({ conversationId })).myRole).toBe('admin');
    await ann.client.chat.leave.mutate({ conversationId });
    expect(await failure(ann.client.chat.get.query({ conversationId }))).toBe('NOT_FOUND');
    await cat.client.chat.dissolve.mutate({ conversationId });
    await cats.waitFor((event) => event.type === 'conversation.dissolved' && event.conversationId === conversationId);
    expect(await failure(ben.client.chat.history.query({ conversationId }))).toBe('NOT_FOUND');
    danEvents.stop();
    cats.stop();
  });

  it('edit, delete and reactions appear live; unread counts and read markers follow', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'reads', memberIds: [ben.id] });
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const one = await ann.client.chat.send.mutate(text(conversationId, 'one'));
    const two = await ann.client.chat.send.mutate(text(conversationId, 'two'));
    await ann.client.chat.edit.mutate({ messageId: one.id, text: 'one (edited)' });
    await benEvents.waitFor((event) => event.type === 'message.updated' && event.message.text === 'one (edited)');
    expect(await failure(ben.client.chat.edit.mutate({ messageId: one.id, text: 'not mine' }))).toBe('FORBIDDEN');
    await ben.client.chat.react.mutate({ messageId: two.id, emoji: '🎉' });
    await ben.client.chat.react.mutate({ messageId: two.id, emoji: '🎉' });
    // Emojis in the order first used, each with its users in the order they reacted.
    for (const [who, emoji] of [
      [ann, '👍'],
      [ben, '👍'],
      [ann, '🎉'],
    ] as const) {
      clock.advance(5);
      await who.client.chat.react.mutate({ messageId: two.id, emoji });
    }
    expect((await ann.client.chat.history.query({ conversationId }))[0]!.reactions).toEqual([
      { emoji: '🎉', userIds: [ben.id, ann.id] },
      { emoji: '👍', userIds: [ann.id, ben.id] },
    ]);
    await ann.client.chat.unreact.mutate({ messageId: two.id, emoji: '🎉' });
    await ann.client.chat.unreact.mutate({ messageId: two.id, emoji: '👍' });
    await ben.client.chat.unreact.mutate({ messageId: two.id, emoji: '👍' });
    expect((await ann.client.chat.history.query({ conversationId }))[0]!.reactions).toEqual([{ emoji: '🎉', userIds: [ben.id] }]);
    const annEvents = collectEvents(ann.client);
    await annEvents.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.delete.mutate({ messageId: one.id });
    await benEvents.waitFor((event) => event.type === 'message.deleted' && event.messageId === one.id);

    const history = await ben.client.chat.history.query({ conversationId });
    expect(history.map((message) => message.id)).toEqual([two.id, one.id]);
    expect(history[0]!.reactions).toEqual([{ emoji: '🎉', userIds: [ben.id] }]);
    expect(history[1]).toMatchObject({ text: null, deletedAt: expect.any(Date) as Date });

    const listed = (await ben.client.chat.list.query()).items.find((item) => item.id === conversationId);
    expect(listed).toMatchObject({ unreadCount: 1, lastMessage: { id: two.id } });
    await ben.client.chat.markRead.mutate({ conversationId, upToMessageId: two.id });
    await annEvents.waitFor((event) => event.type === 'read' && event.userId === ben.id && event.upToMessageId === two.id);
    expect((await ben.client.chat.list.query()).items.find((item) => item.id === conversationId)?.unreadCount).toBe(0);
    const members = (await ann.client.chat.get.query({ conversationId })).members;
    expect(members.find((member) => member.user.id === ben.id)?.lastReadMessageId).toBe(two.id);
    // Markers never move back.
    expect(await ben.client.chat.markRead.mutate({ conversationId, upToMessageId: one.id })).toEqual({ lastReadMessageId: two.id });
    await ben.client.chat.unreact.mutate({ messageId: two.id, emoji: '🎉' });
    await annEvents.waitFor((event) => event.type === 'reaction.removed' && event.messageId === two.id);
    benEvents.stop();
    annEvents.stop();
  });

  it('chat.list pages by last activity without repeating or skipping a conversation', async () => {
    const all: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await ann.client.chat.list.query({ limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const whole = await ann.client.chat.list.query({ limit: 100 });
    expect(all).toEqual(whole.items.map((item) => item.id));
    expect(all.length).toBeGreaterThan(2);
    const times = whole.items.map((item) => item.lastActivityAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('typing reaches the others and expires after a few seconds', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'typing', memberIds: [ben.id] });
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.typing.mutate({ conversationId });
    await benEvents.waitFor((event) => event.type === 'typing' && event.userId === ann.id && event.conversationId === conversationId);
    expect((await ben.client.chat.get.query({ conversationId })).typingUserIds).toEqual([ann.id]);
    clock.advance(6000);
    expect((await ben.client.chat.get.query({ conversationId })).typingUserIds).toEqual([]);
    expect(await failure(cat.client.chat.typing.mutate({ conversationId }))).toBe('NOT_FOUND');
    benEvents.stop();
  });

  it('sending a message ends typing at once', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'typing then sending', memberIds: [ben.id] });
    await ann.client.chat.typing.mutate({ conversationId });
    await ben.client.chat.typing.mutate({ conversationId });
    expect((await ben.client.chat.get.query({ conversationId })).typingUserIds.sort()).toEqual([ann.id, ben.id].sort());
    await ann.client.chat.send.mutate({ conversationId, clientId: 'typing-ends', kind: 'text', text: 'done typing' });
    // When the send is acknowledged, the sender no longer types; the other member still does.
    expect((await ben.client.chat.get.query({ conversationId })).typingUserIds).toEqual([ben.id]);
  });
});

describe('event stream', () => {
  it('carries friend requests and their answers to both people', async () => {
    const danEvents = collectEvents(dan.client);
    const benEvents = collectEvents(ben.client);
    await danEvents.waitFor((event) => event.type === 'presence.snapshot');
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const request = await ben.client.friends.request.mutate({ userId: dan.id, message: 'hey' });
    await danEvents.waitFor((event) => event.type === 'friend.request' && event.request.id === request.id && event.request.message === 'hey');
    await dan.client.friends.respond.mutate({ requestId: request.id, accept: true });
    await benEvents.waitFor((event) => event.type === 'friend.responded' && event.request.id === request.id && event.request.status === 'accepted');
    danEvents.stop();
    benEvents.stop();
  });

  it('resumes after the last event id with exactly the missed events, and asks for a resync on an unknown id', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'resume', memberIds: [ben.id] });
    const first = collectEvents(ben.client);
    // A fresh subscription starts live: m1 must go out after it is attached.
    await first.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.send.mutate(text(conversationId, 'm1'));
    await first.waitFor((event) => event.type === 'message.created' && event.message.text === 'm1');
    const resumeFrom = first.lastId()!;
    first.stop();
    for (const body of ['m2', 'm3', 'm4']) await ann.client.chat.send.mutate(text(conversationId, body));

    const resumed = collectEvents(ben.client, resumeFrom);
    await resumed.waitFor((event) => event.type === 'message.created' && event.message.text === 'm4');
    await ann.client.chat.send.mutate(text(conversationId, 'm5'));
    await resumed.waitFor((event) => event.type === 'message.created' && event.message.text === 'm5');
    const texts = resumed.received.flatMap((entry) => (entry.data.type === 'message.created' ? [entry.data.message.text] : []));
    expect(texts).toEqual(['m2', 'm3', 'm4', 'm5']);
    resumed.stop();

    const bogus = collectEvents(ben.client, '99999999999999-0');
    await bogus.waitFor((event) => event.type === 'resync');
    bogus.stop();
  });
});
