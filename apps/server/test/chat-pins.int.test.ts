// Pinned messages through the real client: who may pin in each kind of conversation, the cap,
// the bounds of `until`, a deleted message's pin, and events reaching members only.
import {
  appErrorOf,
  collectEvents,
  failure,
  failureWithDetails,
  startMailedTestServer,
  type EventCollector,
  type FakeResend,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { messagePins } from '@chorus/db';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer());
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
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `p${++clientIds}`, kind: 'text' as const, text: body });

async function listening(account: TestAccount): Promise<EventCollector> {
  const events = collectEvents(account.client);
  await events.waitFor((event) => event.type === 'presence.snapshot');
  return events;
}

const pinEventsOf = (events: EventCollector, messageId: number) =>
  events.received
    .map((entry) => entry.data)
    .filter((event) => (event.type === 'message.pinned' || event.type === 'message.unpinned') && event.messageId === messageId);

describe('pins in a direct chat', () => {
  it('either party pins and unpins; the other hears of it, a stranger neither hears nor reaches it', async () => {
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const first = await ann.client.chat.send.mutate(text(conversationId, 'the address'));
    const second = await ben.client.chat.send.mutate(text(conversationId, 'the time'));
    await ben.client.chat.react.mutate({ messageId: first.id, emoji: '📌' });
    const [benEvents, catEvents] = await Promise.all([listening(ben), listening(cat)]);

    const pinned = await ann.client.chat.pin.mutate({ messageId: first.id });
    expect(pinned).toMatchObject({ message: { id: first.id, text: 'the address' }, pinnedBy: ann.id, until: null });
    const event = await benEvents.waitFor((e) => e.type === 'message.pinned' && e.messageId === first.id);
    expect(event).toMatchObject({ conversationId, by: ann.id, until: null, pinnedAt: pinned.pinnedAt });
    await ben.client.chat.pin.mutate({ messageId: second.id });

    // Newest pin first, each message as history shows it (reactions included).
    const pins = await ann.client.chat.pins.query({ conversationId });
    expect(pins.map((pin) => [pin.message.id, pin.pinnedBy])).toEqual([
      [second.id, ben.id],
      [first.id, ann.id],
    ]);
    const [inHistory] = (await ann.client.chat.history.query({ conversationId })).filter((message) => message.id === first.id);
    expect(pins[1]!.message).toEqual(inHistory);

    expect(await failure(cat.client.chat.pin.mutate({ messageId: first.id }))).toBe('NOT_FOUND');
    expect(await failure(cat.client.chat.unpin.mutate({ messageId: first.id }))).toBe('NOT_FOUND');
    expect(await failure(cat.client.chat.pins.query({ conversationId }))).toBe('NOT_FOUND');

    await ben.client.chat.unpin.mutate({ messageId: first.id });
    const unpinned = await benEvents.waitFor((e) => e.type === 'message.unpinned' && e.messageId === first.id);
    expect(unpinned).toMatchObject({ conversationId, by: ben.id, reason: 'unpinned' });
    // Unpinning what is not pinned changes nothing and tells no one.
    expect(await ann.client.chat.unpin.mutate({ messageId: first.id })).toEqual({ ok: true });
    expect((await ben.client.chat.pins.query({ conversationId })).map((pin) => pin.message.id)).toEqual([second.id]);

    await ann.client.chat.send.mutate(text(conversationId, 'marker'));
    await benEvents.waitFor((e) => e.type === 'message.created' && e.message.text === 'marker');
    expect(pinEventsOf(benEvents, first.id).map((e) => e.type)).toEqual(['message.pinned', 'message.unpinned']);
    expect(catEvents.received.some((entry) => entry.data.type.startsWith('message.'))).toBe(false);
    benEvents.stop();
    catEvents.stop();
  });

  it('a block between the parties stops pinning both ways', async () => {
    const { conversationId } = await cat.client.chat.openDirect.mutate({ userId: dan.id });
    const message = await cat.client.chat.send.mutate(text(conversationId, 'before the block'));
    await dan.client.friends.block.mutate({ userId: cat.id });
    expect(await failure(cat.client.chat.pin.mutate({ messageId: message.id }))).toBe('FORBIDDEN');
    expect(await failure(dan.client.chat.pin.mutate({ messageId: message.id }))).toBe('FORBIDDEN');
    await dan.client.friends.unblock.mutate({ userId: cat.id });
    await expect(dan.client.chat.pin.mutate({ messageId: message.id })).resolves.toMatchObject({ pinnedBy: dan.id });
  });
});

describe('pins in a group', () => {
  it('the owner and admins pin, plain members may not; a removed member loses the pins and their events', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'pins', memberIds: [ben.id, cat.id, dan.id] });
    await ann.client.chat.setRole.mutate({ conversationId, userId: ben.id, role: 'admin' });
    const one = await cat.client.chat.send.mutate(text(conversationId, 'one'));
    const two = await cat.client.chat.send.mutate(text(conversationId, 'two'));

    expect(await failure(cat.client.chat.pin.mutate({ messageId: one.id }))).toBe('FORBIDDEN');
    await ben.client.chat.pin.mutate({ messageId: one.id });
    await ann.client.chat.pin.mutate({ messageId: two.id });
    expect(await failure(cat.client.chat.unpin.mutate({ messageId: one.id }))).toBe('FORBIDDEN');
    // Members read the pins all the same.
    expect((await cat.client.chat.pins.query({ conversationId })).map((pin) => pin.message.id)).toEqual([two.id, one.id]);

    const [catEvents, danEvents] = await Promise.all([listening(cat), listening(dan)]);
    await ann.client.chat.removeMember.mutate({ conversationId, userId: dan.id });
    await danEvents.waitFor((e) => e.type === 'member.removed' && e.userId === dan.id);
    await ben.client.chat.unpin.mutate({ messageId: two.id });
    await catEvents.waitFor((e) => e.type === 'message.unpinned' && e.messageId === two.id);
    expect(pinEventsOf(danEvents, two.id)).toEqual([]);
    expect(await failure(dan.client.chat.pins.query({ conversationId }))).toBe('NOT_FOUND');
    catEvents.stop();
    danEvents.stop();
  });

  it('deleting a pinned message removes its pin, with an event; a deleted message cannot be pinned', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'deletions', memberIds: [ben.id] });
    const message = await ben.client.chat.send.mutate(text(conversationId, 'soon gone'));
    await ann.client.chat.pin.mutate({ messageId: message.id });
    const benEvents = await listening(ben);
    await ben.client.chat.delete.mutate({ messageId: message.id });
    const removed = await benEvents.waitFor((e) => e.type === 'message.unpinned' && e.messageId === message.id);
    expect(removed).toMatchObject({ by: ben.id, reason: 'deleted' });
    // In the log, the deletion comes first.
    const order = benEvents.received.map((entry) => entry.data.type).filter((type) => type === 'message.deleted' || type === 'message.unpinned');
    expect(order).toEqual(['message.deleted', 'message.unpinned']);
    expect(await ann.client.chat.pins.query({ conversationId })).toEqual([]);
    expect(await failure(ann.client.chat.pin.mutate({ messageId: message.id }))).toBe('CONFLICT');
    benEvents.stop();
  });

  it('a pin racing the deletion of its message never outlives it', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'races', memberIds: [ben.id] });
    for (let i = 0; i < 8; i++) {
      const message = await ben.client.chat.send.mutate(text(conversationId, `race ${i}`));
      const [pin] = await Promise.allSettled([ann.client.chat.pin.mutate({ messageId: message.id }), ben.client.chat.delete.mutate({ messageId: message.id })]);
      if (pin.status === 'rejected') expect(appErrorOf(pin.reason).code).toBe('CONFLICT');
    }
    expect(await ann.client.chat.pins.query({ conversationId })).toEqual([]);
    const [row] = await server.deps.db.select({ pins: count() }).from(messagePins).where(eq(messagePins.conversationId, conversationId));
    expect(row?.pins).toBe(0);
  });
});

describe('limits', () => {
  it('a conversation holds at most 50 pins; pinning a pinned message again replaces its pin', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'full board', memberIds: [ben.id] });
    const sent: Array<{ id: number }> = [];
    for (let i = 0; i < 51; i++) sent.push(await ann.client.chat.send.mutate(text(conversationId, `note ${i}`)));
    for (const message of sent.slice(0, 47)) await ann.client.chat.pin.mutate({ messageId: message.id });
    // Four at once for the last three places: the count is taken under the conversation's lock.
    const racing = await Promise.allSettled(sent.slice(47, 51).map((message) => ann.client.chat.pin.mutate({ messageId: message.id })));
    const refused = racing.flatMap((result, index) =>
      result.status === 'rejected' ? [{ message: sent[47 + index]!, code: appErrorOf(result.reason).code }] : [],
    );
    expect(refused.map((entry) => entry.code)).toEqual(['PIN_LIMIT_REACHED']);
    const lost = refused[0]!.message;
    expect(await failureWithDetails(ann.client.chat.pin.mutate({ messageId: lost.id }))).toEqual({ code: 'PIN_LIMIT_REACHED', details: { max: 50 } });

    // Pinned again (by another admin, now with an end): the same pin, moved to the top.
    await ann.client.chat.setRole.mutate({ conversationId, userId: ben.id, role: 'admin' });
    const until = new Date(Date.now() + 3600_000);
    await ben.client.chat.pin.mutate({ messageId: sent[0]!.id, until });
    const pins = await ann.client.chat.pins.query({ conversationId });
    expect(pins).toHaveLength(50);
    expect(pins[0]).toMatchObject({ message: { id: sent[0]!.id }, pinnedBy: ben.id, until });

    await ann.client.chat.unpin.mutate({ messageId: sent[1]!.id });
    await expect(ann.client.chat.pin.mutate({ messageId: lost.id })).resolves.toMatchObject({ pinnedBy: ann.id });
  });

  it('until must lie in the future and at most a year ahead', async () => {
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: cat.id });
    const message = await ann.client.chat.send.mutate(text(conversationId, 'timed'));
    expect(await failure(ann.client.chat.pin.mutate({ messageId: message.id, until: new Date(Date.now() - 1000) }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.pin.mutate({ messageId: message.id, until: new Date(Date.now() + 366 * 24 * 3600_000) }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.pin.mutate({ messageId: 2 ** 40 }))).toBe('NOT_FOUND');
    expect(await ann.client.chat.pins.query({ conversationId })).toEqual([]);
  });
});
