// Who may call whom, who may touch a call, where signals go, what a dropped connection does,
// and TURN credentials. Two instances share the database and Redis; B also lets members of a
// shared conversation call (CALLS_ALLOW_SHARED_CONVERSATION), A allows friends only.
import { createHmac } from 'node:crypto';
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  collectEvents,
  createTestClient,
  createTestDatabase,
  failure,
  startMailedTestServer,
  startTestRedis,
  startTestServer,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, callEvents, callUpdate, incomingCall, sleep } from './calls-fixtures';

const DROP_GRACE_MS = 1500;
const TURN_SECRET = 'turn-secret-for-the-tests-0123456789';
const calls = {
  dropGraceMs: DROP_GRACE_MS,
  sweepEveryMs: 200,
  stunUrls: ['stun:stun.chorus.test:3478'],
  turnUrls: ['turn:turn.chorus.test:3478?transport=udp'],
  turnSecret: TURN_SECRET,
  turnTtlSeconds: 600,
};

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let a: MailedTestServer;
let b: TestServer;
const clients: ChorusClient[] = [];
const onB = (account: TestAccount) => {
  const client = createTestClient(b.url, { token: account.token });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url, calls });
  b = await startTestServer({ database, redisUrl: redis.url, calls: { ...calls, allowSharedConversation: true } });
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([redis?.stop(), database?.drop()]);
});

describe('who may call', () => {
  it('friends may; strangers, unknown users and oneself may not; a shared group counts only where allowed; blocks always win', async () => {
    const ann = await a.accounts.register('ann');
    const ben = await a.accounts.register('ben');
    const eve = await a.accounts.register('eve');
    const fay = await a.accounts.register('fay');
    await befriend(ann, ben);

    const annEvents = collectEvents(ann.client);
    await annEvents.waitFor((event) => event.type === 'presence.snapshot');
    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    await ann.client.calls.cancel.mutate({ callId });
    expect(await failure(ann.client.calls.start.mutate({ calleeId: eve.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(onB(ann).calls.start.mutate({ calleeId: eve.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(ann.client.calls.start.mutate({ calleeId: 9_999_999, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(ann.client.calls.start.mutate({ calleeId: ann.id, media: 'audio' }))).toBe('BAD_INPUT');

    // A room shared with a stranger never allows a call; a group does where the operator allows it.
    const room = await eve.client.rooms.create.mutate({ name: 'Lobby', visibility: 'public', joinPolicy: 'open' });
    await fay.client.rooms.join.mutate({ roomId: room.id });
    expect(await failure(onB(eve).calls.start.mutate({ calleeId: fay.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    await eve.client.chat.createGroup.mutate({ name: 'Book club', memberIds: [fay.id] });
    expect(await failure(eve.client.calls.start.mutate({ calleeId: fay.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    const eveOnB = onB(eve);
    const shared = await eveOnB.calls.start.mutate({ calleeId: fay.id, media: 'video' });
    await eveOnB.calls.cancel.mutate({ callId: shared.callId });

    // A block, either way, beats both the shared group and friendship.
    await fay.client.friends.block.mutate({ userId: eve.id });
    expect(await failure(eveOnB.calls.start.mutate({ calleeId: fay.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(onB(fay).calls.start.mutate({ calleeId: eve.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    await ben.client.friends.block.mutate({ userId: ann.id });
    expect(await failure(ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(ben.client.calls.start.mutate({ calleeId: ann.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    annEvents.stop();
  });
});

describe('a call belongs to its two parties', () => {
  it('a third user gets NOT_FOUND for everything; signals reach only the other party', async () => {
    const gil = await a.accounts.register('gil');
    const hal = await a.accounts.register('hal');
    const ivy = await a.accounts.register('ivy');
    await befriend(gil, hal);
    await befriend(ivy, gil);
    await befriend(ivy, hal);
    const halOnB = onB(hal);
    const gilEvents = collectEvents(gil.client);
    const halEvents = collectEvents(halOnB);
    const ivyEvents = collectEvents(ivy.client);
    for (const events of [gilEvents, halEvents, ivyEvents]) await events.waitFor((event) => event.type === 'presence.snapshot');

    const { callId } = await gil.client.calls.start.mutate({ calleeId: hal.id, media: 'audio' });
    await incomingCall(halEvents, callId);
    for (const attempt of [
      ivy.client.calls.accept.mutate({ callId }),
      ivy.client.calls.reject.mutate({ callId }),
      ivy.client.calls.cancel.mutate({ callId }),
      ivy.client.calls.hangup.mutate({ callId }),
      ivy.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0' } }),
      ivy.client.calls.accept.mutate({ callId: callId + 1000 }),
    ]) {
      expect(await failure(attempt)).toBe('NOT_FOUND');
    }

    // Signals while ringing are allowed (early negotiation) and go to the other party only.
    await gil.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0 offer' } });
    await halOnB.calls.accept.mutate({ callId });
    const candidate = { candidate: 'candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await halOnB.calls.signal.mutate({ callId, kind: 'answer', payload: { sdp: 'v=0 answer' } });
    await halOnB.calls.signal.mutate({ callId, kind: 'ice', payload: candidate });
    await gil.client.calls.signal.mutate({ callId, kind: 'ice', payload: { ...candidate, usernameFragment: 'abcd' } });

    const signals = (events: typeof gilEvents) => callEvents(events, callId).filter((event) => event.type === 'call.signal');
    await halEvents.waitFor((event) => event.type === 'call.signal' && event.kind === 'ice');
    await gilEvents.waitFor((event) => event.type === 'call.signal' && event.kind === 'ice');
    expect(signals(halEvents)).toEqual([
      { type: 'call.signal', callId, from: gil.id, kind: 'offer', payload: { sdp: 'v=0 offer' } },
      { type: 'call.signal', callId, from: gil.id, kind: 'ice', payload: { ...candidate, usernameFragment: 'abcd' } },
    ]);
    expect(signals(gilEvents)).toEqual([
      { type: 'call.signal', callId, from: hal.id, kind: 'answer', payload: { sdp: 'v=0 answer' } },
      { type: 'call.signal', callId, from: hal.id, kind: 'ice', payload: { ...candidate, usernameFragment: null } },
    ]);
    await sleep(100);
    expect(callEvents(ivyEvents)).toEqual([]);

    // Payloads are bounded: SDP 16 KB, a candidate 2 KB.
    expect(await failure(gil.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v'.repeat(16 * 1024 + 1) } }))).toBe('BAD_INPUT');
    expect(await failure(gil.client.calls.signal.mutate({ callId, kind: 'ice', payload: { candidate: 'c'.repeat(2 * 1024 + 1) } }))).toBe('BAD_INPUT');
    await gil.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v'.repeat(16 * 1024) } });

    await halOnB.calls.hangup.mutate({ callId });
    expect(await failure(gil.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0' } }))).toBe('CALL_STATE');
    for (const events of [gilEvents, halEvents, ivyEvents]) events.stop();
  });
});

describe('lost connections', () => {
  it('a party whose connections all drop ends an active call as dropped after the grace period, not before', async () => {
    const jon = await a.accounts.register('jon');
    const kim = await a.accounts.register('kim');
    await befriend(jon, kim);
    const jonEvents = collectEvents(jon.client);
    const kimDevice = onB(kim);
    const kimEvents = collectEvents(kimDevice);
    for (const events of [jonEvents, kimEvents]) await events.waitFor((event) => event.type === 'presence.snapshot');
    const { callId } = await jon.client.calls.start.mutate({ calleeId: kim.id, media: 'video' });
    await incomingCall(kimEvents, callId);
    await kimDevice.calls.accept.mutate({ callId });

    // A blip shorter than the grace period changes nothing.
    kimEvents.stop();
    await sleep(DROP_GRACE_MS / 5);
    const kimBack = collectEvents(kimDevice);
    await kimBack.waitFor((event) => event.type === 'presence.snapshot');
    await sleep(DROP_GRACE_MS * 2);
    expect((await jon.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({ id: callId, status: 'active' });

    // Kim's device goes away for good: the call ends, dropped by kim, once the grace has passed.
    const gone = Date.now();
    await closeChorusClient(kimDevice);
    const dropped = await callUpdate(jonEvents, callId, 'ended', 'dropped', DROP_GRACE_MS + 5000);
    expect(Date.now() - gone).toBeGreaterThanOrEqual(DROP_GRACE_MS - 100);
    expect(dropped.call).toMatchObject({ endedBy: kim.id, status: 'ended', outcome: 'dropped' });
    expect(dropped.call.durationSec).toBeGreaterThan(0);
    // Back online, kim's stream replays the end of the call.
    const kimLater = collectEvents(onB(kim), kimBack.lastId());
    await callUpdate(kimLater, callId, 'ended', 'dropped');
    jonEvents.stop();
    kimLater.stop();
  });

  it('a caller who disconnects while ringing ends the call as dropped; an offline callee keeps it ringing', async () => {
    const lea = await a.accounts.register('lea');
    const max = await a.accounts.register('max');
    await befriend(lea, max);
    const leaDevice = onB(lea);
    const leaEvents = collectEvents(leaDevice);
    await leaEvents.waitFor((event) => event.type === 'presence.snapshot');
    // Max is offline the whole time: that alone does not end the call.
    const { callId } = await leaDevice.calls.start.mutate({ calleeId: max.id, media: 'audio' });
    await sleep(DROP_GRACE_MS * 2);
    expect((await lea.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({ id: callId, status: 'ringing' });

    await closeChorusClient(leaDevice);
    const maxEvents = collectEvents(max.client);
    const dropped = await callUpdate(maxEvents, callId, 'ended', 'dropped', DROP_GRACE_MS + 5000);
    expect(dropped.call).toMatchObject({ endedBy: lea.id, answeredAt: null, durationSec: null });
    maxEvents.stop();
  });
});

describe('calls.iceServers', () => {
  it('returns STUN and TURN with an HMAC credential that expires TURN_TTL_SECONDS from now, never the secret', async () => {
    const nia = await a.accounts.register('nia');
    const before = Math.floor(Date.now() / 1000);
    const result = await nia.client.calls.iceServers.query();
    const after = Math.floor(Date.now() / 1000);
    expect(result.iceServers[0]).toEqual({ urls: calls.stunUrls });
    const turn = result.iceServers[1]!;
    expect(turn.urls).toEqual(calls.turnUrls);
    const [expiry, userId] = turn.username!.split(':').map(Number);
    expect(userId).toBe(nia.id);
    expect(expiry).toBeGreaterThanOrEqual(before + 600);
    expect(expiry).toBeLessThanOrEqual(after + 600);
    expect(result.expiresAt!.getTime()).toBe(expiry! * 1000);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
    expect(JSON.stringify(result)).not.toContain(TURN_SECRET);
    expect(await failure(createTestClient(a.server.url).calls.iceServers.query())).toBe('UNAUTHORIZED');
  });
});
