// A real call across two server instances sharing one database and one Redis: ann on A calls
// ben on B; two werift peers in this process negotiate only through calls.signal and the
// parties' event streams (typed client), connect over loopback, open a data channel and
// exchange messages both ways. Ben's second device rings too and stops when he answers on B;
// a third user sees none of it.
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  collectEvents,
  createLoopbackPeer,
  createTestClient,
  createTestDatabase,
  nextMessage,
  pipeSignals,
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

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let a: MailedTestServer;
let b: TestServer;
let ann: TestAccount; // caller, on A
let ben: TestAccount; // callee, on B (and a second device on A)
let cat: TestAccount; // bystander, friend of both, on A
let benOnB: ChorusClient;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url });
  b = await startTestServer({ database, redisUrl: redis.url });
  ann = await a.accounts.register('ann');
  ben = await a.accounts.register('ben');
  cat = await a.accounts.register('cat');
  await befriend(ann, ben);
  await befriend(cat, ann);
  await befriend(cat, ben);
  benOnB = createTestClient(b.url, { token: ben.token });
});
afterAll(async () => {
  await Promise.allSettled([closeChorusClient(benOnB)]);
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([redis?.stop(), database?.drop()]);
});

describe('a call between two instances with real WebRTC peers', () => {
  it('rings every device, connects a data channel through calls.signal, and ends completed with a duration', async () => {
    const annEvents = collectEvents(ann.client);
    const benEvents = collectEvents(benOnB);
    const benOnA = createTestClient(a.server.url, { token: ben.token });
    const benOtherDevice = collectEvents(benOnA);
    const catEvents = collectEvents(cat.client);
    for (const events of [annEvents, benEvents, benOtherDevice, catEvents]) await events.waitFor((event) => event.type === 'presence.snapshot');

    const { callId, call } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'video' });
    expect(call).toMatchObject({ id: callId, callerId: ann.id, calleeId: ben.id, media: 'video', status: 'ringing', outcome: null, durationSec: null });

    // Both of ben's devices ring (B holds one, A the other), with the caller's name.
    for (const device of [benEvents, benOtherDevice]) {
      const incoming = await incomingCall(device, callId);
      expect(incoming.call).toMatchObject({ id: callId, status: 'ringing', media: 'video' });
      expect(incoming.caller).toEqual({ id: ann.id, username: 'ann', displayName: expect.any(String) as string, avatarUrl: null });
    }

    const annPeer = await createLoopbackPeer((signal) => ann.client.calls.signal.mutate({ callId, ...signal }));
    const benPeer = await createLoopbackPeer((signal) => benOnB.calls.signal.mutate({ callId, ...signal }));
    const stopPipes = [pipeSignals(annEvents, callId, annPeer), pipeSignals(benEvents, callId, benPeer)];
    try {
      const accepted = await benOnB.calls.accept.mutate({ callId });
      expect(accepted).toMatchObject({ status: 'active', outcome: null });
      expect(accepted.answeredAt).toBeInstanceOf(Date);
      // The caller learns it was answered; ben's other device stops ringing.
      await callUpdate(annEvents, callId, 'active');
      await callUpdate(benOtherDevice, callId, 'active');

      // The caller offers once the call is answered; candidates trickle both ways.
      await annPeer.offer();
      const [annChannel, benChannel] = await Promise.all([annPeer.channel, benPeer.channel]);
      expect(annPeer.pc.connectionState).toBe('connected');

      const toBen = nextMessage(benChannel);
      annChannel.send('hello ben');
      expect(await toBen).toBe('hello ben');
      const toAnn = nextMessage(annChannel);
      benChannel.send('hi ann');
      expect(await toAnn).toBe('hi ann');

      expect(annPeer.errors).toEqual([]);
      expect(benPeer.errors).toEqual([]);
      expect(annPeer.sent).toMatchObject({ offer: 1, answer: 0 });
      expect(benPeer.sent).toMatchObject({ offer: 0, answer: 1 });
      expect(annPeer.sent.ice).toBeGreaterThan(0);
      expect(benPeer.sent.ice).toBeGreaterThan(0);

      // Each side got exactly the other's signals, never its own.
      const signalsTo = (events: typeof annEvents) => callEvents(events, callId).filter((event) => event.type === 'call.signal');
      const toAnnSignals = signalsTo(annEvents);
      const toBenSignals = signalsTo(benEvents);
      expect(toAnnSignals.every((event) => event.from === ben.id)).toBe(true);
      expect(toBenSignals.every((event) => event.from === ann.id)).toBe(true);
      expect(toAnnSignals.map((event) => event.kind).filter((kind) => kind !== 'ice')).toEqual(['answer']);
      expect(toBenSignals.map((event) => event.kind).filter((kind) => kind !== 'ice')).toEqual(['offer']);
      expect(toAnnSignals.filter((event) => event.kind === 'ice')).toHaveLength(benPeer.sent.ice);
      expect(toBenSignals.filter((event) => event.kind === 'ice')).toHaveLength(annPeer.sent.ice);

      await sleep(50);
      const ended = await ann.client.calls.hangup.mutate({ callId });
      expect(ended).toMatchObject({ status: 'ended', outcome: 'completed', endedBy: ann.id });
      expect(ended.durationSec).toBeGreaterThan(0);
      for (const events of [annEvents, benEvents, benOtherDevice]) await callUpdate(events, callId, 'ended', 'completed');
    } finally {
      for (const stop of stopPipes) stop();
      await Promise.allSettled([annPeer.close(), benPeer.close()]);
    }

    // Each party saw the call's states once, in order (ben's devices also the ring).
    const statuses = (events: typeof annEvents) =>
      callEvents(events, callId)
        .filter((event) => event.type !== 'call.signal')
        .map((event) => (event.type === 'call.incoming' ? 'incoming' : event.call.status));
    expect(statuses(annEvents)).toEqual(['active', 'ended']);
    expect(statuses(benEvents)).toEqual(['incoming', 'active', 'ended']);
    expect(statuses(benOtherDevice)).toEqual(['incoming', 'active', 'ended']);
    // A friend of both, online the whole time, saw nothing of the call.
    expect(callEvents(catEvents)).toEqual([]);

    // History, from either instance, newest first with its duration.
    const annHistory = await ann.client.calls.history.query({});
    const benHistory = await benOnB.calls.history.query({});
    expect(annHistory.items[0]).toMatchObject({ id: callId, direction: 'outgoing', status: 'ended', outcome: 'completed', callerId: ann.id, calleeId: ben.id });
    expect(benHistory.items[0]).toMatchObject({ id: callId, direction: 'incoming', status: 'ended', outcome: 'completed' });
    expect(benHistory.items[0]!.durationSec).toBe(annHistory.items[0]!.durationSec);
    expect(annHistory.items[0]!.durationSec).toBeGreaterThan(0);
    expect(annHistory.items[0]!.endedAt!.getTime()).toBeGreaterThan(annHistory.items[0]!.answeredAt!.getTime());
    expect(await cat.client.calls.history.query({})).toEqual({ items: [], nextCursor: null });

    for (const events of [annEvents, benEvents, benOtherDevice, catEvents]) events.stop();
    await closeChorusClient(benOnA);
  });
});
