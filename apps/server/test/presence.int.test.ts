import {
  collectEvents,
  createShiftableClock,
  createTestClient,
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
let eve: TestAccount;
let fay: TestAccount;
let gus: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
  eve = await accounts.register('eve');
  fay = await accounts.register('fay');
  gus = await accounts.register('gus');
  // eve and fay are friends; gus shares a group with eve.
  await eve.client.friends.request.mutate({ userId: fay.id });
  const [request] = await fay.client.friends.requests.query({ direction: 'incoming' });
  await fay.client.friends.respond.mutate({ requestId: request!.id, accept: true });
  await eve.client.chat.createGroup.mutate({ name: 'g', memberIds: [gus.id] });
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

const statusOf = async (viewer: TestAccount, userId: number) => (await viewer.client.presence.get.query({ userIds: [userId] }))[0]!;

describe('presence', () => {
  it('is online while any connection lives, counts tabs once, and reaches friends and co-members', async () => {
    const fayEvents = collectEvents(fay.client);
    const gusEvents = collectEvents(gus.client);
    const snapshot = await fayEvents.waitFor((event) => event.type === 'presence.snapshot');
    expect(snapshot).toMatchObject({ users: expect.arrayContaining([expect.objectContaining({ userId: eve.id, status: 'offline' })]) as unknown });
    await gusEvents.waitFor((event) => event.type === 'presence.snapshot');

    const tab1 = collectEvents(createTestClient(server.url, { token: eve.token }));
    await fayEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'online');
    await gusEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'online');
    const tab2 = collectEvents(createTestClient(server.url, { token: eve.token }));
    await tab2.waitFor((event) => event.type === 'presence.snapshot');
    expect(await statusOf(fay, eve.id)).toMatchObject({ status: 'online' });

    await eve.client.presence.set.mutate({ status: 'away' });
    await fayEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'away');

    tab1.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One tab left: still there.
    expect((await statusOf(fay, eve.id)).status).toBe('away');
    tab2.stop();
    await fayEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'offline');
    const offline = await statusOf(fay, eve.id);
    expect(offline.status).toBe('offline');
    expect(offline.lastSeenAt).toBeInstanceOf(Date);
    const onlineEvents = fayEvents.received.filter(
      (entry) => entry.data.type === 'presence' && entry.data.presence.userId === eve.id && entry.data.presence.status === 'online',
    );
    expect(onlineEvents).toHaveLength(1);
    fayEvents.stop();
    gusEvents.stop();
  });

  it('a connection nobody refreshes (its instance died) goes offline after the TTL', async () => {
    const fayEvents = collectEvents(fay.client);
    await fayEvents.waitFor((event) => event.type === 'presence.snapshot');
    const eveEvents = collectEvents(eve.client);
    await fayEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'online');
    clock.advance(46_000);
    await server.deps.realtime.presence.sweep();
    await fayEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === eve.id && event.presence.status === 'offline');
    eveEvents.stop();
    fayEvents.stop();
  });

  it('a blocked user sees the blocker as offline and gets no presence events', async () => {
    const fayEvents = collectEvents(fay.client);
    await fayEvents.waitFor((event) => event.type === 'presence.snapshot');
    await fay.client.friends.block.mutate({ userId: eve.id });
    const eveEvents = collectEvents(eve.client);
    await eveEvents.waitFor((event) => event.type === 'presence.snapshot');
    expect(await statusOf(eve, fay.id)).toMatchObject({ status: 'offline', lastSeenAt: null });
    const gusEvents = collectEvents(gus.client);
    await eveEvents.waitFor((event) => event.type === 'presence' && event.presence.userId === gus.id && event.presence.status === 'online');
    expect(fayEvents.received.some((entry) => entry.data.type === 'presence' && entry.data.presence.userId === eve.id)).toBe(false);
    expect(eveEvents.received.some((entry) => entry.data.type === 'presence' && entry.data.presence.userId === fay.id)).toBe(false);
    fayEvents.stop();
    eveEvents.stop();
    gusEvents.stop();
  });

  it('heartbeats keep every connection of this instance online past the TTL, in batches however many there are', async () => {
    const presence = server.deps.realtime.presence;
    // More connections than one heartbeat script call refreshes (users need not exist for presence).
    const userIds = Array.from({ length: 1_201 }, (_, index) => 900_000 + index);
    const releases = await Promise.all(userIds.map((userId) => presence.connect(userId)));
    try {
      clock.advance(30_000);
      await presence.heartbeat();
      clock.advance(30_000);
      await presence.sweep();
      const statuses = await presence.statusOf(userIds);
      expect(statuses.filter((view) => view.status !== 'online')).toEqual([]);
      // Without a heartbeat they would have expired: the next TTL passes unrefreshed.
      clock.advance(46_000);
      expect((await presence.statusOf([userIds.at(-1)!]))[0]!.status).toBe('offline');
    } finally {
      await Promise.all(releases.map((release) => release()));
    }
  });
});

describe('presence.get', () => {
  it('shows a user to themself, their friends and members of a live direct or group chat they share; to anyone else they look like an unknown id', async () => {
    let accounts: MailedTestServer['accounts'];
    let own: MailedTestServer | undefined;
    try {
      own = await startMailedTestServer();
      accounts = own.accounts;
      const [ivy, jon, kim, lee, max] = await Promise.all(['ivy', 'jon', 'kim', 'lee', 'max'].map((name) => accounts.register(name)));
      const guest = await accounts.anon().auth.guest.mutate();
      const guestClient = createTestClient(own.server.url, { token: guest.token });
      await jon!.client.friends.request.mutate({ userId: ivy!.id });
      const [request] = await ivy!.client.friends.requests.query({ direction: 'incoming' });
      await ivy!.client.friends.respond.mutate({ requestId: request!.id, accept: true });
      await ivy!.client.chat.createGroup.mutate({ name: 'g', memberIds: [kim!.id] });
      const { conversationId: dissolving } = await ivy!.client.chat.createGroup.mutate({ name: 'short-lived', memberIds: [max!.id] });
      // A room is no shared chat: strangers meet there.
      const room = await ivy!.client.rooms.create.mutate({ name: 'hall', visibility: 'public', joinPolicy: 'open' });
      await lee!.client.rooms.join.mutate({ roomId: room.id });

      const ivyOnline = collectEvents(ivy!.client);
      await ivyOnline.waitFor((event) => event.type === 'presence.snapshot');
      const seenBy = async (viewer: { presence: { get: { query(input: { userIds: number[] }): Promise<unknown[]> } } }) =>
        (await viewer.presence.get.query({ userIds: [ivy!.id] }))[0];
      const online = { userId: ivy!.id, status: 'online', lastSeenAt: expect.any(Date) as Date };
      const unknownIvy = { userId: ivy!.id, status: 'offline', lastSeenAt: null };

      expect(await seenBy(ivy!.client)).toEqual(online);
      expect(await seenBy(jon!.client)).toEqual(online);
      expect(await seenBy(kim!.client)).toEqual(online);
      expect(await seenBy(max!.client)).toEqual(online);
      expect(await seenBy(lee!.client)).toEqual(unknownIvy);
      expect(await seenBy(guestClient)).toEqual(unknownIvy);
      // Exactly what an id that names nobody gets.
      const [nobody] = await lee!.client.presence.get.query({ userIds: [99_999_999] });
      expect(nobody).toEqual({ userId: 99_999_999, status: 'offline', lastSeenAt: null });

      const maxBefore = collectEvents(max!.client);
      const before = await maxBefore.waitFor((event) => event.type === 'presence.snapshot');
      expect(before.type === 'presence.snapshot' && before.users.map((view) => view.userId)).toContain(ivy!.id);
      maxBefore.stop();
      await ivy!.client.chat.dissolve.mutate({ conversationId: dissolving });
      expect(await seenBy(max!.client)).toEqual(unknownIvy);
      // Nor is it pushed to them any more.
      const maxAfter = collectEvents(max!.client);
      const after = await maxAfter.waitFor((event) => event.type === 'presence.snapshot');
      expect(after.type === 'presence.snapshot' && after.users.map((view) => view.userId)).not.toContain(ivy!.id);
      maxAfter.stop();
      // One answer per id asked, in order, each by its own rule.
      const mixed = await jon!.client.presence.get.query({ userIds: [lee!.id, ivy!.id, jon!.id, ivy!.id] });
      expect(mixed.map((view) => [view.userId, view.status])).toEqual([
        [lee!.id, 'offline'],
        [ivy!.id, 'online'],
        [jon!.id, 'offline'],
      ]);
      ivyOnline.stop();
    } finally {
      await own?.stop();
    }
  });
});
