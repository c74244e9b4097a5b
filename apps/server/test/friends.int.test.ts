import { friendRequests, users } from '@chorus/db';
import { failure, startMailedTestServer, TEST_PASSWORD, type FakeResend, type MailedTestServer, type TestAccount, type TestServer } from '@chorus/testing';
import { and, eq, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let mail: FakeResend;
let accounts: MailedTestServer['accounts'];

beforeAll(async () => {
  ({ server, mail, accounts } = await startMailedTestServer({ appConfig: { rateLimits: { registerPerIp: { points: 100, seconds: 3600 } } } }));
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

/**
 * Registers one after another: concurrent `auth.register` calls can deadlock in MariaDB
 * (gap locks of the email lookup `FOR UPDATE`) and fail with INTERNAL.
 */
async function registerAll<const Names extends readonly string[]>(...names: Names): Promise<{ [K in keyof Names]: TestAccount }> {
  const registered: TestAccount[] = [];
  for (const name of names) registered.push(await accounts.register(name));
  return registered as { [K in keyof Names]: TestAccount };
}

async function friendIds(account: TestAccount): Promise<number[]> {
  return (await account.client.friends.list.query()).map((friend) => friend.user.id);
}

async function pendingIds(account: TestAccount, direction: 'incoming' | 'outgoing'): Promise<number[]> {
  return (await account.client.friends.requests.query({ direction })).map((request) => request.id);
}

/** Pending requests between two users in either direction, straight from the table. */
async function pendingRowsBetween(a: number, b: number) {
  return server.deps.db
    .select()
    .from(friendRequests)
    .where(
      and(
        eq(friendRequests.status, 'pending'),
        or(and(eq(friendRequests.fromUserId, a), eq(friendRequests.toUserId, b)), and(eq(friendRequests.fromUserId, b), eq(friendRequests.toUserId, a))),
      ),
    );
}

describe('friend requests', () => {
  it('a request is sent, listed on both sides, accepted, and both become friends', async () => {
    const [ann, ben] = await registerAll('ann', 'ben');
    const sent = await ann.client.friends.request.mutate({ userId: ben.id, message: '  hi Ben  ' });
    expect(sent).toMatchObject({ fromUserId: ann.id, toUserId: ben.id, message: 'hi Ben', status: 'pending', respondedAt: null });
    // Repeating returns the same pending request.
    expect((await ann.client.friends.request.mutate({ userId: ben.id })).id).toBe(sent.id);

    const incoming = await ben.client.friends.requests.query({ direction: 'incoming' });
    expect(incoming).toHaveLength(1);
    expect(incoming[0]).toMatchObject({ id: sent.id, user: { id: ann.id, username: 'ann' } });
    expect(Object.keys(incoming[0]!.user).sort()).toEqual(['avatarUrl', 'bio', 'createdAt', 'displayName', 'id', 'isGuest', 'username']);
    expect((await ann.client.friends.requests.query({ direction: 'outgoing' }))[0]).toMatchObject({ id: sent.id, user: { id: ben.id } });
    expect(await pendingIds(ann, 'incoming')).toEqual([]);
    expect(await pendingIds(ben, 'outgoing')).toEqual([]);

    const accepted = await ben.client.friends.respond.mutate({ requestId: sent.id, accept: true });
    expect(accepted).toMatchObject({ id: sent.id, status: 'accepted' });
    expect(accepted.respondedAt).toBeInstanceOf(Date);
    const annFriends = await ann.client.friends.list.query();
    expect(annFriends).toHaveLength(1);
    expect(annFriends[0]!.user).toMatchObject({ id: ben.id, username: 'ben' });
    expect(annFriends[0]!.since).toBeInstanceOf(Date);
    expect(await friendIds(ben)).toEqual([ann.id]);
    expect(await pendingIds(ben, 'incoming')).toEqual([]);
    expect(await pendingIds(ann, 'outgoing')).toEqual([]);

    expect(await failure(ann.client.friends.request.mutate({ userId: ben.id }))).toBe('CONFLICT');
    expect(await failure(ben.client.friends.request.mutate({ userId: ann.id }))).toBe('CONFLICT');
  });

  it('refuses requests to oneself, unknown, unverified and banned users, and long messages', async () => {
    const [cal, dee] = await registerAll('cal', 'dee');
    expect(await failure(cal.client.friends.request.mutate({ userId: cal.id }))).toBe('BAD_INPUT');
    expect(await failure(cal.client.friends.request.mutate({ userId: 999_999 }))).toBe('NOT_FOUND');
    expect(await failure(cal.client.friends.request.mutate({ userId: dee.id, message: 'x'.repeat(201) }))).toBe('BAD_INPUT');
    expect(await failure(accounts.anon().friends.request.mutate({ userId: dee.id }))).toBe('UNAUTHORIZED');

    await accounts.anon().auth.register.mutate({ email: 'unverified.eve@example.com', username: 'unverified_eve', password: TEST_PASSWORD });
    const [eve] = await server.deps.db.select({ id: users.id }).from(users).where(eq(users.username, 'unverified_eve'));
    expect(await failure(cal.client.friends.request.mutate({ userId: eve!.id }))).toBe('NOT_FOUND');

    await server.deps.db.update(users).set({ bannedAt: new Date() }).where(eq(users.id, dee.id));
    expect(await failure(cal.client.friends.request.mutate({ userId: dee.id }))).toBe('NOT_FOUND');
    await server.deps.db.update(users).set({ bannedAt: null }).where(eq(users.id, dee.id));
    expect(await cal.client.friends.request.mutate({ userId: dee.id, message: 'x'.repeat(200) })).toMatchObject({ status: 'pending' });
  });

  it('only the recipient responds, only once; only the sender cancels', async () => {
    const [fay, gus, hal] = await registerAll('fay', 'gus', 'hal');
    const request = await fay.client.friends.request.mutate({ userId: gus.id });

    // Someone else's request id is not found, for responding and cancelling alike.
    expect(await failure(hal.client.friends.respond.mutate({ requestId: request.id, accept: true }))).toBe('NOT_FOUND');
    expect(await failure(hal.client.friends.cancel.mutate({ requestId: request.id }))).toBe('NOT_FOUND');
    // The sender cannot answer their own request; the recipient cannot cancel it.
    expect(await failure(fay.client.friends.respond.mutate({ requestId: request.id, accept: true }))).toBe('NOT_FOUND');
    expect(await failure(gus.client.friends.cancel.mutate({ requestId: request.id }))).toBe('NOT_FOUND');
    expect(await failure(gus.client.friends.respond.mutate({ requestId: 999_999, accept: true }))).toBe('NOT_FOUND');

    expect(await gus.client.friends.respond.mutate({ requestId: request.id, accept: false })).toMatchObject({ status: 'declined' });
    expect(await failure(gus.client.friends.respond.mutate({ requestId: request.id, accept: true }))).toBe('CONFLICT');
    expect(await failure(fay.client.friends.cancel.mutate({ requestId: request.id }))).toBe('CONFLICT');
    expect(await friendIds(fay)).toEqual([]);
    expect(await pendingIds(gus, 'incoming')).toEqual([]);

    // After a decline a new request may be sent; cancelling it withdraws it.
    const again = await fay.client.friends.request.mutate({ userId: gus.id });
    expect(again.id).not.toBe(request.id);
    expect(await fay.client.friends.cancel.mutate({ requestId: again.id })).toMatchObject({ id: again.id, status: 'cancelled' });
    expect(await failure(fay.client.friends.cancel.mutate({ requestId: again.id }))).toBe('CONFLICT');
    expect(await failure(gus.client.friends.respond.mutate({ requestId: again.id, accept: true }))).toBe('CONFLICT');
    expect(await pendingIds(gus, 'incoming')).toEqual([]);
    expect(await pendingIds(fay, 'outgoing')).toEqual([]);
    expect(await friendIds(gus)).toEqual([]);
  });

  it('a request to someone who already asked accepts theirs', async () => {
    const [ida, jon] = await registerAll('ida', 'jon');
    const theirs = await ida.client.friends.request.mutate({ userId: jon.id });
    const mine = await jon.client.friends.request.mutate({ userId: ida.id });
    expect(mine).toMatchObject({ id: theirs.id, fromUserId: ida.id, toUserId: jon.id, status: 'accepted' });
    expect(await friendIds(ida)).toEqual([jon.id]);
    expect(await friendIds(jon)).toEqual([ida.id]);
    expect(await pendingRowsBetween(ida.id, jon.id)).toEqual([]);
  });

  it('simultaneous requests both ways always end as friends, never two pending requests', async () => {
    const [kai, lou] = await registerAll('kai', 'lou');
    for (let round = 0; round < 10; round += 1) {
      const [fromKai, fromLou] = await Promise.all([
        kai.client.friends.request.mutate({ userId: lou.id }),
        lou.client.friends.request.mutate({ userId: kai.id }),
      ]);
      expect(fromKai.id).toBe(fromLou.id);
      expect([fromKai.status, fromLou.status].sort()).toEqual(['accepted', 'pending']);
      expect(await friendIds(kai)).toEqual([lou.id]);
      expect(await friendIds(lou)).toEqual([kai.id]);
      expect(await pendingRowsBetween(kai.id, lou.id)).toEqual([]);
      await (round % 2 === 0 ? kai : lou).client.friends.remove.mutate({ userId: round % 2 === 0 ? lou.id : kai.id });
    }
  });
});

describe('friendships', () => {
  it('remove ends the friendship for both; removing a non-friend is not found', async () => {
    const [max, ned, oli] = await registerAll('max', 'ned', 'oli');
    const request = await max.client.friends.request.mutate({ userId: ned.id });
    await ned.client.friends.respond.mutate({ requestId: request.id, accept: true });
    expect(await failure(max.client.friends.remove.mutate({ userId: oli.id }))).toBe('NOT_FOUND');
    expect(await failure(max.client.friends.remove.mutate({ userId: 999_999 }))).toBe('NOT_FOUND');
    expect(await failure(max.client.friends.remove.mutate({ userId: max.id }))).toBe('NOT_FOUND');

    expect(await ned.client.friends.remove.mutate({ userId: max.id })).toEqual({ status: 'removed' });
    expect(await friendIds(max)).toEqual([]);
    expect(await friendIds(ned)).toEqual([]);
    expect(await failure(max.client.friends.remove.mutate({ userId: ned.id }))).toBe('NOT_FOUND');
    // They may become friends again.
    expect(await max.client.friends.request.mutate({ userId: ned.id })).toMatchObject({ status: 'pending' });
  });

  it('lists several friends, hiding banned ones', async () => {
    const [pia, quy, rex] = await registerAll('pia', 'quy', 'rex');
    for (const other of [quy, rex]) {
      const request = await pia.client.friends.request.mutate({ userId: other.id });
      await other.client.friends.respond.mutate({ requestId: request.id, accept: true });
    }
    expect((await friendIds(pia)).sort()).toEqual([quy.id, rex.id].sort());
    await server.deps.db.update(users).set({ bannedAt: new Date() }).where(eq(users.id, rex.id));
    expect(await friendIds(pia)).toEqual([quy.id]);
  });
});

describe('blocks', () => {
  it('a blocked user cannot request (as if the blocker did not exist); the blocker must unblock first', async () => {
    const [sam, tia] = await registerAll('sam', 'tia');
    expect(await sam.client.friends.block.mutate({ userId: tia.id })).toEqual({ status: 'blocked' });
    // Idempotent.
    expect(await sam.client.friends.block.mutate({ userId: tia.id })).toEqual({ status: 'blocked' });

    expect(await failure(tia.client.friends.request.mutate({ userId: sam.id }))).toBe('NOT_FOUND');
    expect(await failure(sam.client.friends.request.mutate({ userId: tia.id }))).toBe('FORBIDDEN');
    expect(await pendingIds(sam, 'incoming')).toEqual([]);

    const blocked = await sam.client.friends.blocked.query();
    expect(blocked).toHaveLength(1);
    expect(blocked[0]!.user).toMatchObject({ id: tia.id, username: 'tia' });
    expect(blocked[0]!.since).toBeInstanceOf(Date);
    expect(await tia.client.friends.blocked.query()).toEqual([]);

    expect(await sam.client.friends.unblock.mutate({ userId: tia.id })).toEqual({ status: 'unblocked' });
    expect(await sam.client.friends.unblock.mutate({ userId: tia.id })).toEqual({ status: 'unblocked' });
    expect(await sam.client.friends.blocked.query()).toEqual([]);
    expect(await tia.client.friends.request.mutate({ userId: sam.id })).toMatchObject({ status: 'pending' });
  });

  it('blocking cancels pending requests both ways and removes a friendship', async () => {
    const [uma, vic, wes] = await registerAll('uma', 'vic', 'wes');
    // A pending request from the user about to be blocked...
    const incoming = await vic.client.friends.request.mutate({ userId: uma.id });
    await uma.client.friends.block.mutate({ userId: vic.id });
    expect(await pendingIds(uma, 'incoming')).toEqual([]);
    expect(await pendingIds(vic, 'outgoing')).toEqual([]);
    expect(await failure(uma.client.friends.respond.mutate({ requestId: incoming.id, accept: true }))).toBe('CONFLICT');
    await uma.client.friends.unblock.mutate({ userId: vic.id });

    // ...one from the blocker...
    await uma.client.friends.request.mutate({ userId: vic.id });
    await uma.client.friends.block.mutate({ userId: vic.id });
    expect(await pendingIds(uma, 'outgoing')).toEqual([]);
    expect(await pendingIds(vic, 'incoming')).toEqual([]);
    expect(await pendingRowsBetween(uma.id, vic.id)).toEqual([]);

    // ...and an existing friendship, leaving other friendships alone.
    await uma.client.friends.unblock.mutate({ userId: vic.id });
    for (const other of [vic, wes]) {
      const request = await uma.client.friends.request.mutate({ userId: other.id });
      await other.client.friends.respond.mutate({ requestId: request.id, accept: true });
    }
    expect((await friendIds(uma)).sort()).toEqual([vic.id, wes.id].sort());
    await vic.client.friends.block.mutate({ userId: uma.id });
    expect(await friendIds(uma)).toEqual([wes.id]);
    expect(await friendIds(vic)).toEqual([]);
    expect(await failure(uma.client.friends.remove.mutate({ userId: vic.id }))).toBe('NOT_FOUND');
    expect(await failure(uma.client.friends.request.mutate({ userId: vic.id }))).toBe('NOT_FOUND');
  });

  it('refuses blocking oneself or an unknown user', async () => {
    const xia = await accounts.register('xia');
    expect(await failure(xia.client.friends.block.mutate({ userId: xia.id }))).toBe('BAD_INPUT');
    expect(await failure(xia.client.friends.block.mutate({ userId: 999_999 }))).toBe('NOT_FOUND');
    expect(await xia.client.friends.blocked.query()).toEqual([]);
  });
});

describe('rate limit', () => {
  it('allows 30 friend requests an hour per sender', async () => {
    const [yan, zed] = await registerAll('yan', 'zed');
    for (let i = 0; i < 30; i += 1) await yan.client.friends.request.mutate({ userId: zed.id });
    expect(await failure(yan.client.friends.request.mutate({ userId: zed.id }))).toBe('RATE_LIMITED');
    // Another sender has its own allowance.
    expect(await zed.client.friends.request.mutate({ userId: yan.id })).toMatchObject({ status: 'accepted' });
  });
});
