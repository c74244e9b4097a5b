// Pins that expire (the server's clock moved by the test, the expiry job running every 200 ms)
// and pins in rooms (the room's pinPolicy, its event stream, a history hidden from newcomers).
import { messagePins } from '@chorus/db';
import {
  collectEvents,
  collectRoomEvents,
  createShiftableClock,
  failure,
  startMailedTestServer,
  type FakeResend,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
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
  ({ server, mail, accounts } = await startMailedTestServer({ clock, jobs: { pinExpiry: { everyMs: 200 } } }));
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
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `x${++clientIds}`, kind: 'text' as const, text: body });
const inMs = (ms: number) => new Date(clock.now().getTime() + ms);
const pinRow = async (messageId: number) => (await server.deps.db.select().from(messagePins).where(eq(messagePins.messageId, messageId)))[0];

describe('expiry', () => {
  it('an expired pin is never shown, and members hear once that it went', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'timed', memberIds: [ben.id] });
    const brief = await ann.client.chat.send.mutate(text(conversationId, 'for a minute'));
    const lasting = await ann.client.chat.send.mutate(text(conversationId, 'for a day'));
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    await ann.client.chat.pin.mutate({ messageId: brief.id, until: inMs(60_000) });
    await ann.client.chat.pin.mutate({ messageId: lasting.id, until: inMs(24 * 3600_000) });
    expect((await ben.client.chat.pins.query({ conversationId })).map((pin) => pin.message.id)).toEqual([lasting.id, brief.id]);

    clock.advance(60_001);
    // Read at once, whether or not the job got there first.
    expect((await ben.client.chat.pins.query({ conversationId })).map((pin) => pin.message.id)).toEqual([lasting.id]);
    const gone = await benEvents.waitFor((event) => event.type === 'message.unpinned' && event.messageId === brief.id);
    expect(gone).toMatchObject({ conversationId, by: null, reason: 'expired' });
    expect(await pinRow(brief.id)).toBeUndefined();

    await ann.client.chat.send.mutate(text(conversationId, 'marker'));
    await benEvents.waitFor((event) => event.type === 'message.created' && event.message.text === 'marker');
    expect(benEvents.received.filter((entry) => entry.data.type === 'message.unpinned')).toHaveLength(1);
    expect(await pinRow(lasting.id)).toMatchObject({ pinnedBy: ann.id });
    benEvents.stop();
  });

  it('the expiry job removes a pin nobody reads, on its own', async () => {
    const { conversationId } = await cat.client.chat.openDirect.mutate({ userId: dan.id });
    const message = await cat.client.chat.send.mutate(text(conversationId, 'for ten seconds'));
    const danEvents = collectEvents(dan.client);
    await danEvents.waitFor((event) => event.type === 'presence.snapshot');
    await cat.client.chat.pin.mutate({ messageId: message.id, until: inMs(10_000) });
    await danEvents.waitFor((event) => event.type === 'message.pinned' && event.messageId === message.id);
    clock.advance(9_000);
    // Not yet due: the job leaves it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await pinRow(message.id)).toBeDefined();
    clock.advance(1_001);
    await danEvents.waitFor((event) => event.type === 'message.unpinned' && event.messageId === message.id && event.reason === 'expired');
    expect(await pinRow(message.id)).toBeUndefined();
    danEvents.stop();
  });

  it('expired pins leave room under the cap at once', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'short-lived board', memberIds: [ben.id] });
    for (let i = 0; i < 50; i++) {
      const message = await ann.client.chat.send.mutate(text(conversationId, `note ${i}`));
      await ann.client.chat.pin.mutate({ messageId: message.id, until: inMs(3600_000) });
    }
    const next = await ann.client.chat.send.mutate(text(conversationId, 'one more'));
    expect(await failure(ann.client.chat.pin.mutate({ messageId: next.id }))).toBe('PIN_LIMIT_REACHED');
    clock.advance(3600_001);
    await ann.client.chat.pin.mutate({ messageId: next.id });
    expect((await ben.client.chat.pins.query({ conversationId })).map((pin) => pin.message.id)).toEqual([next.id]);
  });
});

const openRoom = { visibility: 'public', joinPolicy: 'open', maxMembers: 10 } as const;

describe('rooms', () => {
  it('pinPolicy decides who pins (admins by default, the owner always); members hear it on the room stream', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Pin board', ...openRoom });
    expect(room.pinPolicy).toBe('admins');
    await ben.client.rooms.join.mutate({ roomId: room.id });
    await cat.client.rooms.join.mutate({ roomId: room.id });
    await ann.client.rooms.setRole.mutate({ roomId: room.id, userId: ben.id, role: 'admin' });
    const message = await cat.client.chat.send.mutate(text(room.id, 'film at eight'));
    const catEvents = collectRoomEvents(cat.client, room.id);
    await catEvents.waitFor((event) => event.type === 'room.snapshot');

    expect(await failure(cat.client.chat.pin.mutate({ messageId: message.id }))).toBe('FORBIDDEN');
    await ben.client.chat.pin.mutate({ messageId: message.id });
    const pinned = await catEvents.waitFor((event) => event.type === 'message.pinned' && event.messageId === message.id);
    expect(pinned).toMatchObject({ roomId: room.id, by: ben.id });
    expect(await failure(dan.client.chat.pins.query({ conversationId: room.id }))).toBe('NOT_FOUND');
    expect(await failure(dan.client.chat.pin.mutate({ messageId: message.id }))).toBe('NOT_FOUND');

    expect(await failure(cat.client.rooms.updateSettings.mutate({ roomId: room.id, pinPolicy: 'everyone' }))).toBe('FORBIDDEN');
    await ben.client.rooms.updateSettings.mutate({ roomId: room.id, pinPolicy: 'everyone' });
    await catEvents.waitFor((event) => event.type === 'room.settings' && event.room.pinPolicy === 'everyone');
    await cat.client.chat.unpin.mutate({ messageId: message.id });
    await catEvents.waitFor((event) => event.type === 'message.unpinned' && event.messageId === message.id && event.by === cat.id);

    await ann.client.rooms.updateSettings.mutate({ roomId: room.id, pinPolicy: 'owner' });
    expect(await failure(ben.client.chat.pin.mutate({ messageId: message.id }))).toBe('FORBIDDEN');
    expect(await failure(cat.client.chat.pin.mutate({ messageId: message.id }))).toBe('FORBIDDEN');
    await expect(ann.client.chat.pin.mutate({ messageId: message.id })).resolves.toMatchObject({ pinnedBy: ann.id });
    expect((await ann.client.rooms.get.query({ roomId: room.id })).room.pinPolicy).toBe('owner');
    catEvents.stop();
  });

  it('a newcomer to a room that hides its history sees only pins of messages since joining', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Fresh start', ...openRoom, historyVisible: false });
    const old = await ann.client.chat.send.mutate(text(room.id, 'before you came'));
    await ann.client.chat.pin.mutate({ messageId: old.id });
    await dan.client.rooms.join.mutate({ roomId: room.id });
    const recent = await ann.client.chat.send.mutate(text(room.id, 'welcome'));
    await ann.client.chat.pin.mutate({ messageId: recent.id });

    expect((await dan.client.chat.pins.query({ conversationId: room.id })).map((pin) => pin.message.id)).toEqual([recent.id]);
    expect((await ann.client.chat.pins.query({ conversationId: room.id })).map((pin) => pin.message.id)).toEqual([recent.id, old.id]);
    await ann.client.rooms.setRole.mutate({ roomId: room.id, userId: dan.id, role: 'admin' });
    expect(await failure(dan.client.chat.unpin.mutate({ messageId: old.id }))).toBe('NOT_FOUND');
    expect(await failure(dan.client.chat.pin.mutate({ messageId: old.id }))).toBe('NOT_FOUND');
  });
});
