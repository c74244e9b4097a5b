import { appCodeOf, type AppErrorCode, type ChorusClient } from '@chorus/client';
import {
  collectRoomEvents,
  createTestClient,
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
let accounts: MailedTestServer['accounts'];
// owner, two admins, a member, an outsider (never joins) and a user the owner bans.
let own: TestAccount;
let adm: TestAccount;
let adm2: TestAccount;
let mem: TestAccount;
let out: TestAccount;
let bad: TestAccount;

beforeAll(async () => {
  ({ server, mail, accounts } = await startMailedTestServer());
  own = await accounts.register('own');
  adm = await accounts.register('adm');
  adm2 = await accounts.register('adm2');
  mem = await accounts.register('mem');
  out = await accounts.register('out');
  bad = await accounts.register('bad');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `p${++clientIds}`, kind: 'text' as const, text: body });
const openRoom = { visibility: 'public', joinPolicy: 'open', historyVisible: true, syncEnabled: true, maxMembers: 10 } as const;

/** A public open room of `own` with admins adm and adm2, member mem, and bad banned. */
async function staffedRoom(name: string) {
  const room = await own.client.rooms.create.mutate({ name, ...openRoom });
  for (const user of [adm, adm2, mem, bad]) await user.client.rooms.join.mutate({ roomId: room.id });
  for (const user of [adm, adm2]) await own.client.rooms.setRole.mutate({ roomId: room.id, userId: user.id, role: 'admin' });
  await own.client.rooms.kick.mutate({ roomId: room.id, userId: bad.id, ban: true });
  return room;
}

/** Resolves once the room stream delivers its first event; rejects with the stream's error. */
async function subscribeOnce(client: ChorusClient, roomId: number): Promise<void> {
  const events = collectRoomEvents(client, roomId);
  await Promise.race([events.ended, events.waitFor(() => true).catch(() => undefined)]);
  events.stop();
  if (events.errors.length > 0) throw events.errors[0];
}

type Outcome = AppErrorCode | 'ok' | '-';
const outcome = (call: Promise<unknown>): Promise<Outcome> =>
  call.then(
    () => 'ok' as const,
    (error: unknown) => appCodeOf(error) ?? ('INTERNAL' as const),
  );

describe('room permissions', () => {
  it('refuses each of owner, admin, member, outsider and banned user what they may not do, with its typed error', async () => {
    const { id: roomId } = await staffedRoom('Matrix');
    const actions = (c: ChorusClient): Record<string, () => Promise<unknown>> => ({
      join: () => c.rooms.join.mutate({ roomId }),
      apply: () => c.rooms.applyToJoin.mutate({ roomId }),
      leave: () => c.rooms.leave.mutate({ roomId }),
      invite: () => c.rooms.invite.mutate({ roomId, userId: out.id }),
      kickMember: () => c.rooms.kick.mutate({ roomId, userId: mem.id }),
      kickAdmin2: () => c.rooms.kick.mutate({ roomId, userId: adm2.id }),
      kickOwner: () => c.rooms.kick.mutate({ roomId, userId: own.id }),
      unban: () => c.rooms.unban.mutate({ roomId, userId: bad.id }),
      setRole: () => c.rooms.setRole.mutate({ roomId, userId: mem.id, role: 'admin' }),
      transfer: () => c.rooms.transferOwnership.mutate({ roomId, userId: mem.id }),
      rename: () => c.rooms.updateSettings.mutate({ roomId, name: 'Matrix' }),
      controlPolicy: () => c.rooms.updateSettings.mutate({ roomId, controlPolicy: 'everyone' }),
      play: () => c.rooms.playback.control.mutate({ roomId, action: 'play' }),
      dissolve: () => c.rooms.dissolve.mutate({ roomId }),
      send: () => c.chat.send.mutate(text(roomId, 'hi')),
      history: () => c.chat.history.query({ conversationId: roomId }),
      events: () => subscribeOnce(c, roomId),
    });
    // '-': allowed but changes the room (exercised in other tests); 'ok': exercised here, must succeed.
    const [F, N] = ['FORBIDDEN', 'NOT_FOUND'] as const;
    const expected: Record<string, Outcome[]> = {
      //              owner                  admin             member            outsider    banned
      join: ['ALREADY_MEMBER', 'ALREADY_MEMBER', 'ALREADY_MEMBER', '-', 'ROOM_BANNED'],
      apply: ['ALREADY_MEMBER', 'ALREADY_MEMBER', 'ALREADY_MEMBER', 'CONFLICT', 'ROOM_BANNED'],
      leave: ['OWNER_MUST_TRANSFER', '-', '-', N, N],
      invite: ['-', '-', F, N, N],
      kickMember: ['-', '-', F, N, N],
      kickAdmin2: ['-', F, F, N, N],
      kickOwner: ['BAD_INPUT', F, F, N, N],
      unban: ['-', '-', F, N, N],
      setRole: ['-', F, F, N, N],
      transfer: ['-', F, F, N, N],
      rename: ['ok', 'ok', F, N, N],
      controlPolicy: ['-', F, F, N, N],
      play: ['NO_MEDIA', F, F, N, N],
      dissolve: ['-', F, F, N, N],
      send: ['ok', 'ok', 'ok', N, N],
      history: ['ok', 'ok', 'ok', N, N],
      events: ['ok', 'ok', 'ok', N, N],
    };
    const actors = [own, adm, mem, out, bad].map((account) => actions(account.client));
    const actual: Record<string, Outcome[]> = {};
    for (const [action, cells] of Object.entries(expected)) {
      actual[action] = [];
      for (const [column, cell] of cells.entries()) actual[action].push(cell === '-' ? '-' : await outcome(actors[column]![action]!()));
    }
    expect(actual).toEqual(expected);
  });

  it('rooms.get shows members and playback to members, and pending applications and invites to owner and admins only', async () => {
    const { id: roomId } = await staffedRoom('Views');
    await own.client.rooms.invite.mutate({ roomId, userId: out.id });
    const ownerView = await own.client.rooms.get.query({ roomId });
    expect(ownerView).toMatchObject({
      myRole: 'owner',
      myStatus: 'member',
      pendingApplications: [],
      pendingInvites: [{ inviteeId: out.id, inviterId: own.id, status: 'pending' }],
    });
    expect(ownerView.members!.map((m) => [m.userId, m.role])).toEqual([
      [own.id, 'owner'],
      [adm.id, 'admin'],
      [adm2.id, 'admin'],
      [mem.id, 'member'],
    ]);
    expect(await adm.client.rooms.get.query({ roomId })).toMatchObject({ myRole: 'admin', pendingInvites: [{ inviteeId: out.id }] });
    const memberView = await mem.client.rooms.get.query({ roomId });
    expect(memberView).toMatchObject({ myRole: 'member', myStatus: 'member', playback: { mediaUrl: null, paused: true }, drift: [] });
    expect(memberView.members).toHaveLength(4);
    expect(memberView).not.toHaveProperty('pendingApplications');
    expect(memberView).not.toHaveProperty('pendingInvites');
    // Non-members see the public room's settings and their own status only.
    const bannedView = await bad.client.rooms.get.query({ roomId });
    expect(bannedView).toEqual({ room: expect.objectContaining({ id: roomId, memberCount: 4 }) as unknown, myRole: null, myStatus: 'banned' });
    expect(await out.client.rooms.get.query({ roomId })).toMatchObject({ myRole: null, myStatus: 'invited' });
    expect(await out.client.rooms.get.query({ roomId })).not.toHaveProperty('members');
  });

  it('join refuses approval, invite-only and full rooms; guests cannot create rooms', async () => {
    const approval = await own.client.rooms.create.mutate({ name: 'Approval', ...openRoom, joinPolicy: 'approval' });
    const inviteOnly = await own.client.rooms.create.mutate({ name: 'Invite only', ...openRoom, joinPolicy: 'invite_only' });
    const small = await own.client.rooms.create.mutate({ name: 'Small', ...openRoom, maxMembers: 2 });
    expect(await failure(out.client.rooms.join.mutate({ roomId: approval.id }))).toBe('APPROVAL_REQUIRED');
    expect(await failure(out.client.rooms.join.mutate({ roomId: inviteOnly.id }))).toBe('INVITE_REQUIRED');
    expect(await failure(out.client.rooms.applyToJoin.mutate({ roomId: inviteOnly.id }))).toBe('INVITE_REQUIRED');
    expect(await mem.client.rooms.join.mutate({ roomId: small.id })).toMatchObject({ memberCount: 2 });
    expect(await failure(out.client.rooms.join.mutate({ roomId: small.id }))).toBe('ROOM_FULL');
    expect(await own.client.rooms.updateSettings.mutate({ roomId: small.id, maxMembers: 3 })).toMatchObject({ maxMembers: 3, memberCount: 2 });
    expect(await out.client.rooms.join.mutate({ roomId: small.id })).toMatchObject({ memberCount: 3 });
    expect((await own.client.rooms.get.query({ roomId: small.id })).members!.map((m) => m.userId)).toEqual([own.id, mem.id, out.id]);

    const guest = await accounts.anon().auth.guest.mutate();
    const guestClient = createTestClient(server.url, { token: guest.token });
    expect(await failure(guestClient.rooms.create.mutate({ name: 'Guest room', ...openRoom }))).toBe('ACCOUNT_REQUIRED');
    expect((await own.client.rooms.list.query({ scope: 'public', query: 'Guest room' })).items).toEqual([]);
  });

  it('playback control follows the control policy, and refuses when sync is off', async () => {
    const { id: roomId } = await staffedRoom('Playback');
    const media = { roomId, action: 'set_media', mediaUrl: 'https://media.example.com/a.mp4' } as const;
    expect(await own.client.rooms.playback.control.mutate(media)).toMatchObject({ mediaUrl: media.mediaUrl, paused: true, updatedBy: own.id });
    expect(await failure(adm.client.rooms.playback.control.mutate({ roomId, action: 'play' }))).toBe('FORBIDDEN');

    await own.client.rooms.updateSettings.mutate({ roomId, controlPolicy: 'admins' });
    expect(await adm.client.rooms.playback.control.mutate({ roomId, action: 'seek', positionSec: 42 })).toMatchObject({ positionSec: 42, updatedBy: adm.id });
    expect(await failure(mem.client.rooms.playback.control.mutate({ roomId, action: 'play' }))).toBe('FORBIDDEN');

    await own.client.rooms.updateSettings.mutate({ roomId, controlPolicy: 'everyone' });
    expect(await mem.client.rooms.playback.control.mutate({ roomId, action: 'play' })).toMatchObject({ paused: false, updatedBy: mem.id });
    // An admin may change other settings, but not who controls playback.
    expect(await adm.client.rooms.updateSettings.mutate({ roomId, description: 'films' })).toMatchObject({ description: 'films', controlPolicy: 'everyone' });
    expect(await failure(adm.client.rooms.updateSettings.mutate({ roomId, controlPolicy: 'owner' }))).toBe('FORBIDDEN');

    await adm.client.rooms.updateSettings.mutate({ roomId, syncEnabled: false });
    expect(await failure(own.client.rooms.playback.control.mutate({ roomId, action: 'pause' }))).toBe('SYNC_DISABLED');
    expect(await failure(mem.client.rooms.playback.report.mutate({ roomId, positionSec: 1, paused: false }))).toBe('SYNC_DISABLED');
  });

  it('a kicked member’s room stream ends with room.member_kicked; a ban keeps them out until unbanned', async () => {
    const { id: roomId } = await staffedRoom('Kicks');
    const memEvents = collectRoomEvents(mem.client, roomId);
    await memEvents.waitFor((event) => event.type === 'room.snapshot');
    await adm.client.rooms.kick.mutate({ roomId, userId: mem.id });
    expect(await memEvents.waitFor((event) => event.type === 'room.member_kicked')).toMatchObject({ userId: mem.id, by: adm.id, banned: false });
    expect(memEvents.received.at(-1)!.data.type).toBe('room.member_kicked');
    await memEvents.ended;
    expect(memEvents.errors).toEqual([]);
    expect(await failure(mem.client.chat.history.query({ conversationId: roomId }))).toBe('NOT_FOUND');
    const notes = (await mem.client.notifications.list.query()).items.filter((note) => note.type === 'system');
    expect(notes).toMatchObject([{ payload: { kind: 'room_kicked', roomId, roomName: 'Kicks', banned: false } }]);
    // Not banned: may come back, and their new stream stays open.
    await mem.client.rooms.join.mutate({ roomId });
    const back = collectRoomEvents(mem.client, roomId);
    await back.waitFor((event) => event.type === 'room.snapshot');
    const sent = await own.client.chat.send.mutate(text(roomId, 'welcome back'));
    await back.waitFor((event) => event.type === 'message.created' && event.message.id === sent.id);
    back.stop();

    const admEvents = collectRoomEvents(adm2.client, roomId);
    await admEvents.waitFor((event) => event.type === 'room.snapshot');
    await own.client.rooms.kick.mutate({ roomId, userId: adm2.id, ban: true });
    expect(await admEvents.waitFor((event) => event.type === 'room.member_kicked' && event.userId === adm2.id)).toMatchObject({ by: own.id, banned: true });
    await admEvents.ended;
    expect(await failure(adm2.client.rooms.join.mutate({ roomId }))).toBe('ROOM_BANNED');
    expect(await failure(own.client.rooms.invite.mutate({ roomId, userId: adm2.id }))).toBe('ROOM_BANNED');
    expect(await adm2.client.rooms.get.query({ roomId })).toMatchObject({ myStatus: 'banned' });
    await adm.client.rooms.unban.mutate({ roomId, userId: adm2.id });
    expect(await failure(adm.client.rooms.unban.mutate({ roomId, userId: adm2.id }))).toBe('NOT_FOUND');
    expect(await adm2.client.rooms.join.mutate({ roomId })).toMatchObject({ memberCount: 4 });
    expect((await adm2.client.rooms.get.query({ roomId })).myRole).toBe('member');
  });

  it('ownership moves only by transfer: the old owner becomes an admin and may then leave', async () => {
    const { id: roomId } = await staffedRoom('Handover');
    expect(await failure(own.client.rooms.transferOwnership.mutate({ roomId, userId: out.id }))).toBe('NOT_FOUND');
    await own.client.rooms.transferOwnership.mutate({ roomId, userId: mem.id });
    expect(await mem.client.rooms.get.query({ roomId })).toMatchObject({ myRole: 'owner', room: { ownerId: mem.id } });
    expect((await own.client.rooms.get.query({ roomId })).myRole).toBe('admin');
    expect(await failure(own.client.rooms.setRole.mutate({ roomId, userId: adm.id, role: 'member' }))).toBe('FORBIDDEN');
    expect(await failure(own.client.rooms.dissolve.mutate({ roomId }))).toBe('FORBIDDEN');
    expect(await failure(mem.client.rooms.leave.mutate({ roomId }))).toBe('OWNER_MUST_TRANSFER');
    await mem.client.rooms.setRole.mutate({ roomId, userId: adm.id, role: 'member' });
    expect(await failure(adm.client.rooms.kick.mutate({ roomId, userId: adm2.id }))).toBe('FORBIDDEN');
    expect(await own.client.rooms.leave.mutate({ roomId })).toEqual({ ok: true });
    expect(await own.client.rooms.get.query({ roomId })).toEqual({
      room: expect.objectContaining({ ownerId: mem.id }) as unknown,
      myRole: null,
      myStatus: 'none',
    });
    const view = await mem.client.rooms.get.query({ roomId });
    expect(view.members!.map((m) => [m.userId, m.role])).toEqual([
      [adm.id, 'member'],
      [adm2.id, 'admin'],
      [mem.id, 'owner'],
    ]);
    expect(view.room.memberCount).toBe(3);
  });
});
