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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
  ann = await accounts.register('ann');
  ben = await accounts.register('ben');
  cat = await accounts.register('cat');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `r${++clientIds}`, kind: 'text' as const, text: body });
const openRoom = { visibility: 'public', joinPolicy: 'open', historyVisible: true, syncEnabled: true, maxMembers: 10 } as const;

describe('rooms', () => {
  it('a member joins an open room, chats in it and sees its events live, and resumes without gaps', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Movie night', ...openRoom });
    expect(room).toMatchObject({ name: 'Movie night', ownerId: ann.id, memberCount: 1 });
    const annEvents = collectRoomEvents(ann.client, room.id);
    const snapshot = await annEvents.waitFor((event) => event.type === 'room.snapshot');
    expect(snapshot).toMatchObject({ members: [{ userId: ann.id, role: 'owner' }], playback: { paused: true, mediaUrl: null } });

    await ben.client.rooms.join.mutate({ roomId: room.id });
    await annEvents.waitFor((event) => event.type === 'room.member_joined' && event.member.userId === ben.id);
    const sent = await ben.client.chat.send.mutate(text(room.id, 'hello room'));
    await annEvents.waitFor((event) => event.type === 'message.created' && event.message.id === sent.id);
    const position = annEvents.lastId()!;
    annEvents.stop();

    await ann.client.rooms.playback.control.mutate({ roomId: room.id, action: 'set_media', mediaUrl: 'https://media.example.com/film.mp4' });
    await ben.client.chat.send.mutate(text(room.id, 'while you were away'));
    const resumed = collectRoomEvents(ann.client, room.id, position);
    await resumed.waitFor((event) => event.type === 'message.created' && event.message.text === 'while you were away');
    expect(resumed.received.map((entry) => entry.data.type)).toEqual(['room.snapshot', 'room.playback', 'message.created']);
    resumed.stop();

    // Rooms are not listed among chats, and chat.get does not show them.
    const chats = await ben.client.chat.list.query();
    expect(chats.items.map((item) => item.id)).not.toContain(room.id);
    expect(await failure(cat.client.chat.history.query({ conversationId: room.id }))).toBe('NOT_FOUND');
    expect(await failure(ben.client.chat.get.query({ conversationId: room.id }))).toBe('NOT_FOUND');
  });

  it('dissolve ends every member’s room stream with a typed event', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Short-lived', ...openRoom });
    await ben.client.rooms.join.mutate({ roomId: room.id });
    const benEvents = collectRoomEvents(ben.client, room.id);
    await benEvents.waitFor((event) => event.type === 'room.snapshot');
    await ann.client.rooms.dissolve.mutate({ roomId: room.id });
    await benEvents.waitFor((event) => event.type === 'room.dissolved');
    await benEvents.ended;
    expect(await failure(ben.client.rooms.get.query({ roomId: room.id }))).toBe('NOT_FOUND');
  });

  it('typing in a room reaches its stream, and an unknown position resyncs with a fresh snapshot', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Typing room', ...openRoom });
    await ben.client.rooms.join.mutate({ roomId: room.id });
    const annEvents = collectRoomEvents(ann.client, room.id);
    await annEvents.waitFor((event) => event.type === 'room.snapshot');
    await ben.client.chat.typing.mutate({ conversationId: room.id });
    await annEvents.waitFor((event) => event.type === 'typing' && event.userId === ben.id);
    annEvents.stop();

    const lost = collectRoomEvents(ben.client, room.id, '999999');
    await lost.waitFor((event) => event.type === 'room.snapshot');
    expect(lost.received.map((entry) => entry.data)).toMatchObject([
      { type: 'resync', reason: 'unknown_position' },
      { type: 'room.snapshot', members: [{ userId: ann.id }, { userId: ben.id }] },
    ]);
    lost.stop();
  });

  it('a mention in room chat notifies the mentioned member', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Mentions', ...openRoom });
    await ben.client.rooms.join.mutate({ roomId: room.id });
    const annInbox = collectEvents(ann.client);
    await annInbox.waitFor((event) => event.type === 'presence.snapshot');
    const sent = await ben.client.chat.send.mutate(text(room.id, 'look @ann'));
    const live = await annInbox.waitFor((event) => event.type === 'notification' && event.notification.type === 'mention');
    expect(live).toMatchObject({ notification: { payload: { conversationId: room.id, messageId: sent.id, senderId: ben.id } } });
    annInbox.stop();
  });
});
