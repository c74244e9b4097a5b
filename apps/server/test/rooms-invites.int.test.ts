import {
  collectEvents,
  collectRoomEvents,
  failure,
  startMailedTestServer,
  type FakeResend,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let mail: FakeResend;
let own: TestAccount;
let adm: TestAccount;
let mem: TestAccount;
let ivy: TestAccount;
let oli: TestAccount;
let out: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer());
  own = await accounts.register('own');
  adm = await accounts.register('adm');
  mem = await accounts.register('mem');
  ivy = await accounts.register('ivy');
  oli = await accounts.register('oli');
  out = await accounts.register('out');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `i${++clientIds}`, kind: 'text' as const, text: body });
const openRoom = { visibility: 'public', joinPolicy: 'open', historyVisible: true, syncEnabled: true, maxMembers: 10 } as const;
const notesOf = async (user: TestAccount, type: string) => (await user.client.notifications.list.query()).items.filter((note) => note.type === type);

/** A room of `own` with adm as admin and mem as member, then given `settings`. */
async function staffedRoom(name: string, settings: { visibility?: 'private'; joinPolicy?: 'approval' | 'invite_only'; historyVisible?: boolean } = {}) {
  const room = await own.client.rooms.create.mutate({ name, ...openRoom });
  await adm.client.rooms.join.mutate({ roomId: room.id });
  await mem.client.rooms.join.mutate({ roomId: room.id });
  await own.client.rooms.setRole.mutate({ roomId: room.id, userId: adm.id, role: 'admin' });
  if (Object.keys(settings).length > 0) await own.client.rooms.updateSettings.mutate({ roomId: room.id, ...settings });
  return room.id;
}

describe('private rooms and invitations', () => {
  it('a private room is invisible to outsiders until they are invited', async () => {
    const roomId = await staffedRoom('Secret', { visibility: 'private', joinPolicy: 'invite_only' });
    await own.client.chat.send.mutate(text(roomId, 'members only'));
    expect(await failure(out.client.rooms.get.query({ roomId }))).toBe('NOT_FOUND');
    expect(await failure(out.client.rooms.join.mutate({ roomId }))).toBe('NOT_FOUND');
    expect(await failure(out.client.rooms.applyToJoin.mutate({ roomId }))).toBe('NOT_FOUND');
    expect(await failure(out.client.chat.history.query({ conversationId: roomId }))).toBe('NOT_FOUND');
    expect(await failure(out.client.chat.send.mutate(text(roomId, 'knock knock')))).toBe('NOT_FOUND');
    const events = collectRoomEvents(out.client, roomId);
    await events.ended;
    expect(events.received).toEqual([]);
    expect(events.errors.map((error) => (error as { data?: { appCode?: string } }).data?.appCode)).toEqual(['NOT_FOUND']);
    expect((await out.client.rooms.list.query({ scope: 'public', query: 'Secret' })).items).toEqual([]);
    expect((await out.client.rooms.list.query({ scope: 'mine' })).items).toEqual([]);
    expect((await mem.client.rooms.list.query({ scope: 'mine', query: 'Secret' })).items).toMatchObject([
      { id: roomId, visibility: 'private', myRole: 'member' },
    ]);
  });

  it('an invitation reaches an online invitee live, and waits in notifications.list for an offline one', async () => {
    const roomId = await staffedRoom('Invites', { visibility: 'private', joinPolicy: 'invite_only' });
    expect(await failure(mem.client.rooms.invite.mutate({ roomId, userId: ivy.id }))).toBe('FORBIDDEN');
    expect(await failure(out.client.rooms.invite.mutate({ roomId, userId: ivy.id }))).toBe('NOT_FOUND');
    expect(await failure(own.client.rooms.invite.mutate({ roomId, userId: mem.id }))).toBe('ALREADY_MEMBER');

    // ivy is online: the invitation arrives on her event stream.
    const ivyEvents = collectEvents(ivy.client);
    await ivyEvents.waitFor((event) => event.type === 'presence.snapshot');
    const { inviteId } = await adm.client.rooms.invite.mutate({ roomId, userId: ivy.id });
    const live = await ivyEvents.waitFor((event) => event.type === 'notification' && event.notification.type === 'room_invite');
    expect(live).toMatchObject({ notification: { payload: { inviteId, roomId, roomName: 'Invites', inviterId: adm.id }, readAt: null } });
    ivyEvents.stop();
    expect(await ivy.client.rooms.get.query({ roomId })).toEqual({
      room: expect.objectContaining({ id: roomId, name: 'Invites' }) as unknown,
      myRole: null,
      myStatus: 'invited',
    });
    expect((await own.client.rooms.get.query({ roomId })).pendingInvites).toMatchObject([
      { id: inviteId, inviteeId: ivy.id, inviterId: adm.id, status: 'pending' },
    ]);
    // Joining accepts the invitation, though the room is invite-only.
    expect(await ivy.client.rooms.join.mutate({ roomId })).toMatchObject({ id: roomId, memberCount: 4 });
    expect(await own.client.rooms.get.query({ roomId })).toMatchObject({ pendingInvites: [] });
    expect(await failure(ivy.client.rooms.respondInvite.mutate({ inviteId, accept: true }))).toBe('NOT_FOUND');

    // oli has no stream open: the invitation is listed; declining leaves the room invisible.
    const first = await own.client.rooms.invite.mutate({ roomId, userId: oli.id });
    expect(await notesOf(oli, 'room_invite')).toMatchObject([{ payload: { inviteId: first.inviteId, roomId, inviterId: own.id }, readAt: null }]);
    expect(await failure(out.client.rooms.respondInvite.mutate({ inviteId: first.inviteId, accept: true }))).toBe('NOT_FOUND');
    expect(await oli.client.rooms.respondInvite.mutate({ inviteId: first.inviteId, accept: false })).toEqual({ joined: false });
    expect(await failure(oli.client.rooms.get.query({ roomId }))).toBe('NOT_FOUND');
    expect(await failure(oli.client.rooms.join.mutate({ roomId }))).toBe('NOT_FOUND');

    const second = await adm.client.rooms.invite.mutate({ roomId, userId: oli.id });
    expect(await notesOf(oli, 'room_invite')).toHaveLength(2);
    expect(await oli.client.rooms.respondInvite.mutate({ inviteId: second.inviteId, accept: true })).toEqual({ joined: true });
    expect((await oli.client.rooms.list.query({ scope: 'mine', query: 'Invites' })).items).toMatchObject([{ id: roomId, memberCount: 5, myRole: 'member' }]);
    expect((await oli.client.chat.history.query({ conversationId: roomId })).map((message) => message.text)).toEqual([]);
  });
});

describe('applications', () => {
  it('notify owner and admins (live or listed), and the review result reaches the applicant', async () => {
    const roomId = await staffedRoom('Club', { joinPolicy: 'approval' });
    const ownEvents = collectEvents(own.client);
    await ownEvents.waitFor((event) => event.type === 'presence.snapshot');
    expect(await failure(mem.client.rooms.applyToJoin.mutate({ roomId }))).toBe('ALREADY_MEMBER');
    const { applicationId } = await ivy.client.rooms.applyToJoin.mutate({ roomId, message: 'let me in' });
    const live = await ownEvents.waitFor((event) => event.type === 'notification' && event.notification.type === 'room_application');
    expect(live).toMatchObject({ notification: { payload: { applicationId, roomId, roomName: 'Club', userId: ivy.id, message: 'let me in' } } });
    expect(await notesOf(adm, 'room_application')).toMatchObject([{ payload: { applicationId, userId: ivy.id } }]);
    expect(await notesOf(mem, 'room_application')).toEqual([]);
    // Applying again while pending changes nothing.
    expect(await ivy.client.rooms.applyToJoin.mutate({ roomId })).toEqual({ applicationId });
    expect(await ivy.client.rooms.get.query({ roomId })).toMatchObject({ myRole: null, myStatus: 'applied' });
    expect((await adm.client.rooms.get.query({ roomId })).pendingApplications).toMatchObject([
      { id: applicationId, userId: ivy.id, message: 'let me in', status: 'pending' },
    ]);

    expect(await failure(mem.client.rooms.reviewApplication.mutate({ applicationId, approve: true }))).toBe('FORBIDDEN');
    expect(await failure(out.client.rooms.reviewApplication.mutate({ applicationId, approve: true }))).toBe('NOT_FOUND');
    // ivy is offline when approved: the result is listed, and she is in.
    await adm.client.rooms.reviewApplication.mutate({ applicationId, approve: true });
    expect(await notesOf(ivy, 'application_result')).toMatchObject([{ payload: { applicationId, roomId, approved: true } }]);
    expect(await ivy.client.rooms.get.query({ roomId })).toMatchObject({ myRole: 'member', myStatus: 'member', room: { memberCount: 4 } });
    expect(await failure(own.client.rooms.reviewApplication.mutate({ applicationId, approve: false }))).toBe('CONFLICT');

    // oli is online when rejected: the result arrives live, and he stays out.
    const oliEvents = collectEvents(oli.client);
    await oliEvents.waitFor((event) => event.type === 'presence.snapshot');
    const rejected = await oli.client.rooms.applyToJoin.mutate({ roomId });
    await ownEvents.waitFor((event) => event.type === 'notification' && event.notification.payload['applicationId'] === rejected.applicationId);
    await own.client.rooms.reviewApplication.mutate({ applicationId: rejected.applicationId, approve: false });
    const result = await oliEvents.waitFor((event) => event.type === 'notification' && event.notification.type === 'application_result');
    expect(result).toMatchObject({ notification: { payload: { applicationId: rejected.applicationId, approved: false } } });
    expect(await oli.client.rooms.get.query({ roomId })).toMatchObject({ myRole: null, myStatus: 'none' });
    expect(await failure(oli.client.rooms.join.mutate({ roomId }))).toBe('APPROVAL_REQUIRED');
    ownEvents.stop();
    oliEvents.stop();
  });
});

describe('room chat', () => {
  it('with historyVisible off, a newcomer sees and touches only messages sent after joining', async () => {
    const hidden = await staffedRoom('Hidden past', { historyVisible: false });
    const before = await own.client.chat.send.mutate(text(hidden, 'before ivy'));
    await ivy.client.rooms.join.mutate({ roomId: hidden });
    const after = await own.client.chat.send.mutate(text(hidden, 'after ivy'));
    expect((await ivy.client.chat.history.query({ conversationId: hidden })).map((message) => message.id)).toEqual([after.id]);
    expect((await mem.client.chat.history.query({ conversationId: hidden })).map((message) => message.id)).toEqual([after.id, before.id]);
    expect(await failure(ivy.client.chat.react.mutate({ messageId: before.id, emoji: '👍' }))).toBe('NOT_FOUND');
    expect(await failure(ivy.client.chat.delete.mutate({ messageId: before.id }))).toBe('NOT_FOUND');
    await ivy.client.chat.react.mutate({ messageId: after.id, emoji: '👍' });

    // With history visible, a newcomer reads everything.
    const open = await staffedRoom('Open past');
    const old = await own.client.chat.send.mutate(text(open, 'old news'));
    await ivy.client.rooms.join.mutate({ roomId: open });
    expect((await ivy.client.chat.history.query({ conversationId: open })).map((message) => message.id)).toEqual([old.id]);
  });

  it('admins may delete others’ messages, members only their own', async () => {
    const roomId = await staffedRoom('Moderated');
    const ownMessage = await own.client.chat.send.mutate(text(roomId, 'from the owner'));
    const memMessage = await mem.client.chat.send.mutate(text(roomId, 'from a member'));
    expect(await failure(mem.client.chat.delete.mutate({ messageId: ownMessage.id }))).toBe('FORBIDDEN');
    expect(await failure(mem.client.chat.edit.mutate({ messageId: ownMessage.id, text: 'hijacked' }))).toBe('FORBIDDEN');
    expect(await adm.client.chat.delete.mutate({ messageId: memMessage.id })).toEqual({ ok: true });
    const history = await own.client.chat.history.query({ conversationId: roomId });
    expect(history.map((message) => [message.id, message.text])).toEqual([
      [memMessage.id, null],
      [ownMessage.id, 'from the owner'],
    ]);
    expect(history[0]!.deletedAt).not.toBeNull();
  });
});

describe('rooms.list', () => {
  it('lists public rooms to anyone and the caller’s own rooms, by name prefix, newest first, in pages', async () => {
    const a = await own.client.rooms.create.mutate({ name: 'Zeta one', ...openRoom });
    const b = await own.client.rooms.create.mutate({ name: 'Zeta two', ...openRoom, joinPolicy: 'approval' });
    const c = await own.client.rooms.create.mutate({ name: 'Zeta hidden', ...openRoom, visibility: 'private' });
    await own.client.rooms.create.mutate({ name: 'Other zeta', ...openRoom });
    const publicPage = await out.client.rooms.list.query({ scope: 'public', query: 'Zeta' });
    expect(publicPage).toMatchObject({
      items: [
        { id: b.id, myRole: null },
        { id: a.id, myRole: null },
      ],
      nextCursor: null,
    });
    const minePage = await own.client.rooms.list.query({ scope: 'mine', query: 'Zeta' });
    expect(minePage.items.map((room) => [room.id, room.myRole])).toEqual([
      [c.id, 'owner'],
      [b.id, 'owner'],
      [a.id, 'owner'],
    ]);

    const page1 = await own.client.rooms.list.query({ scope: 'mine', query: 'Zeta', limit: 2 });
    expect(page1.items.map((room) => room.id)).toEqual([c.id, b.id]);
    const page2 = await own.client.rooms.list.query({ scope: 'mine', query: 'Zeta', limit: 2, cursor: page1.nextCursor! });
    expect(page2).toMatchObject({ items: [{ id: a.id }], nextCursor: null });

    expect((await out.client.rooms.list.query({ scope: 'mine', query: 'Zeta' })).items).toEqual([]);
    await out.client.rooms.join.mutate({ roomId: a.id });
    expect((await out.client.rooms.list.query({ scope: 'mine', query: 'Zeta' })).items).toMatchObject([{ id: a.id, myRole: 'member', memberCount: 2 }]);
    expect((await out.client.rooms.list.query({ scope: 'public', query: 'Zeta' })).items.map((room) => room.myRole)).toEqual([null, 'member']);
    await own.client.rooms.dissolve.mutate({ roomId: a.id });
    expect((await out.client.rooms.list.query({ scope: 'mine', query: 'Zeta' })).items).toEqual([]);
    expect((await out.client.rooms.list.query({ scope: 'public', query: 'Zeta' })).items.map((room) => room.id)).toEqual([b.id]);
  });
});

describe('room stream of a newcomer', () => {
  it('starts from the room’s current playback, even right after another member subscribed', async () => {
    const roomId = await staffedRoom('Late joiner');
    const ownEvents = collectRoomEvents(own.client, roomId);
    await ownEvents.waitFor((event) => event.type === 'room.snapshot');
    await own.client.rooms.playback.control.mutate({ roomId, action: 'set_media', mediaUrl: 'https://media.example.com/late.mp4' });
    await oli.client.rooms.join.mutate({ roomId });
    const oliEvents = collectRoomEvents(oli.client, roomId);
    const snapshot = await oliEvents.waitFor((event) => event.type === 'room.snapshot');
    // Whatever the snapshot's age, a marker message proves the stream has caught up to now.
    const marker = await own.client.chat.send.mutate(text(roomId, 'marker'));
    await oliEvents.waitFor((event) => event.type === 'message.created' && event.message.id === marker.id);
    const playbackEvents = oliEvents.received.flatMap((entry) => (entry.data.type === 'room.playback' ? [entry.data.playback] : []));
    const mediaUrl = playbackEvents.at(-1)?.mediaUrl ?? (snapshot.type === 'room.snapshot' ? snapshot.playback.mediaUrl : undefined);
    expect(mediaUrl).toBe('https://media.example.com/late.mp4');
    ownEvents.stop();
    oliEvents.stop();
  });
});
