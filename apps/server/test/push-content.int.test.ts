import { users } from '@chorus/db';
import { createShiftableClock, startMailedTestServer, type FakeResend, type MailedTestServer, type TestAccount, type TestServer } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDevice, befriend, clearOutbox, fannedOut, pushesTo, setSettings, text, registerAll, holdFailedPushes, sleep } from './push-fanout-fixture';

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let bob: TestAccount;
let cat: TestAccount;
let direct: number;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock, jobs: holdFailedPushes }));
  [ann, bob, cat] = await registerAll(accounts, ['ann', 'bob', 'cat']);
  await befriend(ann, bob);
  direct = (await ann.client.chat.openDirect.mutate({ userId: bob.id })).conversationId;
  for (const account of [ann, bob, cat]) await addDevice(server.deps.db, account);
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});
beforeEach(async () => {
  await fannedOut(server.deps.db);
  await clearOutbox(server.deps.db);
});

const db = () => server.deps.db;

describe('collapse and do-not-disturb', () => {
  it('a burst in one conversation shares one collapse key; a push not yet claimed takes the next one over', async () => {
    for (const body of ['one', 'two', 'three']) await ann.client.chat.send.mutate(text(direct, body));
    const rows = await pushesTo(db(), bob);
    // A row the delivery worker had claimed is not changed: the next push is a row of its own.
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(3);
    expect(new Set(rows.map((row) => row.collapseKey))).toEqual(new Set([`c${direct}`]));
    expect(rows.at(-1)).toMatchObject({ payload: { body: 'three' } });
    expect(rows.at(-1)!.badge).toBeGreaterThanOrEqual(3);
  });

  it('a push taken over after a failed attempt keeps its backoff', async () => {
    await ann.client.chat.send.mutate(text(direct, 'first try'));
    // The endpoint never answers: the delivery worker's first attempt fails and backs off an hour.
    const deadline = Date.now() + 10_000;
    let [row] = await pushesTo(db(), bob);
    while (row!.attempts === 0 && Date.now() < deadline) {
      await sleep(50);
      [row] = await pushesTo(db(), bob);
    }
    expect(row!.attempts).toBe(1);
    const backoffUntil = row!.nextAttemptAt.getTime();
    expect(backoffUntil - clock.now().getTime()).toBeGreaterThan(30 * 60_000);
    await ann.client.chat.send.mutate(text(direct, 'second try'));
    const [taken, ...more] = await pushesTo(db(), bob);
    expect(more).toEqual([]);
    // Not sent again at once: still the one attempt, still due when the backoff ends.
    expect(taken).toMatchObject({ id: row!.id, attempts: 1, payload: { body: 'second try' } });
    expect(taken!.nextAttemptAt.getTime()).toBe(backoffUntil);
  });

  it('holds a push until do-not-disturb ends, still collapsing, and sends at once after', async () => {
    const before = clock.now();
    const minute = Math.floor((before.getTime() % 86_400_000) / 60_000);
    await setSettings(db(), bob, { dndStartMinute: (minute + 1440 - 60) % 1440, dndEndMinute: (minute + 60) % 1440, timeZone: 'UTC' });
    await ann.client.chat.send.mutate(text(direct, 'late night'));
    await ann.client.chat.send.mutate(text(direct, 'still up?'));
    const [held, ...more] = await pushesTo(db(), bob);
    expect(more).toEqual([]);
    // The hours end 60 minutes after the start of the minute the messages were sent in.
    const end = new Date(before.getTime() - (before.getTime() % 60_000) + 3_600_000);
    expect(held!.nextAttemptAt.getTime()).toBe(end.getTime());
    expect(held!.expiresAt.getTime()).toBe(end.getTime() + 86_400_000);
    expect(held!.payload).toMatchObject({ body: 'still up?' });

    clock.advance(2 * 3_600_000);
    await ann.client.chat.send.mutate(text(direct, 'good morning'));
    // The held row is due now (the delivery worker may have claimed it): the newest push is not held.
    // Its expiry says when it was due (a failed attempt may since have moved nextAttemptAt an hour on).
    const after = (await pushesTo(db(), bob)).at(-1);
    expect(after!.payload).toMatchObject({ body: 'good morning' });
    expect(Math.abs(after!.expiresAt.getTime() - 86_400_000 - clock.now().getTime())).toBeLessThan(5000);
    await setSettings(db(), bob, { dndStartMinute: null, dndEndMinute: null });
  });
});

describe('what a push shows', () => {
  it('per privacy: the text, only the sender, or nothing; fixed words in the user’s language', async () => {
    await setSettings(db(), bob, { pushPrivacy: 'sender' });
    await ann.client.chat.send.mutate(text(direct, 'secret plans'));
    expect((await pushesTo(db(), bob))[0]!.payload).toMatchObject({ type: 'message', title: 'ann', body: 'New message' });

    await clearOutbox(db());
    await setSettings(db(), bob, { pushPrivacy: 'hidden' });
    await db().update(users).set({ locale: 'zh' }).where(eq(users.id, bob.id));
    await ann.client.chat.send.mutate(text(direct, 'more secrets'));
    const hidden = (await pushesTo(db(), bob))[0]!.payload!;
    expect(hidden).toMatchObject({ title: 'Chorus', body: '新消息', conversationId: direct });
    expect(JSON.stringify(hidden)).not.toContain('ann');

    await clearOutbox(db());
    await setSettings(db(), bob, { pushPrivacy: 'full' });
    await ann.client.chat.send.mutate({ ...text(direct, ''), text: 'x'.repeat(500) });
    const long = (await pushesTo(db(), bob))[0]!.payload!;
    expect([...long.body].length).toBeLessThanOrEqual(180);
    await db().update(users).set({ locale: 'en' }).where(eq(users.id, bob.id));
  });
});

describe('calls, room invites and friend requests', () => {
  it('an incoming call: high urgency, a short TTL, a key per call; not pushed during do-not-disturb', async () => {
    const { callId } = await ann.client.calls.start.mutate({ calleeId: bob.id, media: 'video' });
    const [row] = await pushesTo(db(), bob);
    expect(row).toMatchObject({
      urgency: 'high',
      ttlSeconds: 30,
      collapseKey: `call${callId}`,
      payload: { type: 'call', title: 'ann', body: 'Incoming video call' },
    });
    await ann.client.calls.cancel.mutate({ callId });

    await clearOutbox(db());
    const minute = Math.floor((clock.now().getTime() % 86_400_000) / 60_000);
    await setSettings(db(), bob, { dndStartMinute: (minute + 1440 - 30) % 1440, dndEndMinute: (minute + 30) % 1440 });
    const second = await ann.client.calls.start.mutate({ calleeId: bob.id, media: 'audio' });
    expect(await pushesTo(db(), bob)).toEqual([]);
    await ann.client.calls.cancel.mutate({ callId: second.callId });
    await setSettings(db(), bob, { dndStartMinute: null, dndEndMinute: null });
  });

  it('a friend request and a room invite reach their offline user; nothing is pushed for an acceptance', async () => {
    await cat.client.friends.request.mutate({ userId: bob.id });
    expect((await pushesTo(db(), bob)).map((row) => row.payload)).toMatchObject([{ type: 'friend_request', title: 'cat', url: '/friends' }]);

    await clearOutbox(db());
    const room = await ann.client.rooms.create.mutate({
      name: 'Cinema',
      visibility: 'private',
      joinPolicy: 'invite_only',
      historyVisible: true,
      syncEnabled: true,
      maxMembers: 10,
    });
    await ann.client.rooms.invite.mutate({ roomId: room.id, userId: cat.id });
    expect((await pushesTo(db(), cat)).map((row) => row.payload)).toMatchObject([
      { type: 'room_invite', title: 'ann', body: 'invited you to Cinema', conversationId: room.id },
    ]);

    await clearOutbox(db());
    const [request] = await bob.client.friends.requests.query({ direction: 'incoming' });
    await bob.client.friends.respond.mutate({ requestId: request!.id, accept: true });
    await fannedOut(db());
    expect(await pushesTo(db(), cat)).toEqual([]);
  });
});
