// How calls end without media: missed (the real sweeper, a short ring timeout), busy, rejected,
// cancelled, hung up while ringing; races between parties resolve to one winner; history pages.
import { appCodeOf, closeChorusClient } from '@chorus/client';
import { notifications } from '@chorus/db';
import { appErrorOf, collectEvents, createTestClient, failure, startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, callEvents, callUpdate, failureWithDetails, incomingCall } from './calls-fixtures';

const RING_TIMEOUT_MS = 2500;
let env: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;

beforeAll(async () => {
  env = await startMailedTestServer({
    calls: { ringTimeoutMs: RING_TIMEOUT_MS, sweepEveryMs: 200 },
    appConfig: { rateLimits: { callStartsPerUser: { points: 1000, seconds: 60 } } },
  });
  ann = await env.accounts.register('ann');
  ben = await env.accounts.register('ben');
  cat = await env.accounts.register('cat');
  dan = await env.accounts.register('dan');
  await befriend(ann, ben);
  await befriend(cat, ben);
  await befriend(ann, cat);
  await befriend(dan, ann);
});
afterAll(async () => {
  await env?.stop();
});

const missedNotices = (userId: number) =>
  env.server.deps.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.type, 'system')));

describe('calls that never connect', () => {
  it('an unanswered call ends missed after the ring timeout, and the callee is notified', async () => {
    const annEvents = collectEvents(ann.client);
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const started = Date.now();
    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    await incomingCall(benEvents, callId);

    const missed = await callUpdate(benEvents, callId, 'ended', 'missed', RING_TIMEOUT_MS + 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(RING_TIMEOUT_MS - 50);
    expect(missed.call).toMatchObject({ endedBy: null, answeredAt: null, durationSec: null });
    await callUpdate(annEvents, callId, 'ended', 'missed');
    const notice = await benEvents.waitFor((event) => event.type === 'notification' && event.notification.payload.callId === callId);
    expect(notice).toMatchObject({
      notification: { type: 'system', payload: { kind: 'missed_call', callId, from: ann.id, media: 'audio', reason: 'missed' }, readAt: null },
    });
    const listed = await ben.client.notifications.list.query({});
    expect(listed.items[0]).toMatchObject({ id: notice.type === 'notification' ? notice.notification.id : -1, payload: { kind: 'missed_call', callId } });
    // The caller gets no notification; the sweep ran once however often it looked.
    expect((await missedNotices(ann.id)).length).toBe(0);
    expect((await missedNotices(ben.id)).filter((row) => row.payload.callId === callId)).toHaveLength(1);

    expect(await failure(ben.client.calls.accept.mutate({ callId }))).toBe('CALL_STATE');
    expect(await failure(ann.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0' } }))).toBe('CALL_STATE');
    annEvents.stop();
    benEvents.stop();
  });

  it('a callee in another call is busy: the attempt is stored as busy, the caller gets CALLEE_BUSY', async () => {
    const benEvents = collectEvents(ben.client);
    const catEvents = collectEvents(cat.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const { callId: first } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'video' });
    await ben.client.calls.accept.mutate({ callId: first });

    const busy = await failureWithDetails(cat.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }));
    expect(busy.code).toBe('CALLEE_BUSY');
    const busyId = busy.details?.callId as number;
    expect(busyId).toBeGreaterThan(first);
    const [catLast] = (await cat.client.calls.history.query({ limit: 1 })).items;
    expect(catLast).toMatchObject({ id: busyId, status: 'ended', outcome: 'busy', direction: 'outgoing', answeredAt: null, durationSec: null });
    const notice = await benEvents.waitFor((event) => event.type === 'notification' && event.notification.payload.callId === busyId);
    expect(notice).toMatchObject({ notification: { payload: { kind: 'missed_call', from: cat.id, reason: 'busy' } } });
    // A busy attempt never rings.
    expect(callEvents(benEvents, busyId)).toEqual([]);
    expect(callEvents(catEvents, busyId)).toEqual([]);

    // A party of a live call cannot start another: CALL_STATE names the live call; nothing is stored.
    const own = await failureWithDetails(ben.client.calls.start.mutate({ calleeId: cat.id, media: 'audio' }));
    expect(own).toEqual({ code: 'CALL_STATE', details: { callId: first, status: 'active' } });
    expect((await failureWithDetails(ann.client.calls.start.mutate({ calleeId: cat.id, media: 'audio' }))).code).toBe('CALL_STATE');
    expect((await cat.client.calls.history.query({ limit: 1 })).items[0]!.id).toBe(busyId);

    // While ringing the callee is busy too.
    await ann.client.calls.hangup.mutate({ callId: first });
    const { callId: ringing } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    expect((await failureWithDetails(cat.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }))).code).toBe('CALLEE_BUSY');
    await ann.client.calls.cancel.mutate({ callId: ringing });
    // Free again: the call rings.
    const { callId: free } = await cat.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    await incomingCall(benEvents, free);
    await cat.client.calls.cancel.mutate({ callId: free });
    benEvents.stop();
    catEvents.stop();
  });

  it('the callee rejects: both see rejected; only the callee may reject or accept', async () => {
    const annEvents = collectEvents(ann.client);
    await annEvents.waitFor((event) => event.type === 'presence.snapshot');
    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    expect(await failure(ann.client.calls.reject.mutate({ callId }))).toBe('FORBIDDEN');
    expect(await failure(ann.client.calls.accept.mutate({ callId }))).toBe('FORBIDDEN');
    expect(await failure(ben.client.calls.cancel.mutate({ callId }))).toBe('FORBIDDEN');
    const rejected = await ben.client.calls.reject.mutate({ callId });
    expect(rejected).toMatchObject({ status: 'ended', outcome: 'rejected', endedBy: ben.id, durationSec: null });
    await callUpdate(annEvents, callId, 'ended', 'rejected');
    expect(await failure(ann.client.calls.cancel.mutate({ callId }))).toBe('CALL_STATE');
    expect(await failure(ben.client.calls.accept.mutate({ callId }))).toBe('CALL_STATE');
    expect(await failure(ben.client.calls.hangup.mutate({ callId }))).toBe('CALL_STATE');
    annEvents.stop();
  });

  it('the caller cancels: the callee stops ringing, and a late accept gets CALL_STATE', async () => {
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'video' });
    await incomingCall(benEvents, callId);
    const cancelled = await ann.client.calls.cancel.mutate({ callId });
    expect(cancelled).toMatchObject({ status: 'ended', outcome: 'cancelled', endedBy: ann.id });
    await callUpdate(benEvents, callId, 'ended', 'cancelled');
    const accept = await failureWithDetails(ben.client.calls.accept.mutate({ callId }));
    expect(accept).toEqual({ code: 'CALL_STATE', details: { callId, status: 'ended', outcome: 'cancelled' } });
    // No notification for a call the caller took back.
    expect((await missedNotices(ben.id)).filter((row) => row.payload.callId === callId)).toEqual([]);
    benEvents.stop();
  });

  it('hangup while ringing cancels (caller) or rejects (callee)', async () => {
    const first = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    expect(await ann.client.calls.hangup.mutate({ callId: first.callId })).toMatchObject({ outcome: 'cancelled', endedBy: ann.id });
    const second = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    expect(await ben.client.calls.hangup.mutate({ callId: second.callId })).toMatchObject({ outcome: 'rejected', endedBy: ben.id });
  });
});

describe('races', () => {
  it('accept racing cancel, and two hangups, each have exactly one winner', async () => {
    for (let round = 0; round < 5; round++) {
      const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
      const results = await Promise.allSettled([ben.client.calls.accept.mutate({ callId }), ann.client.calls.cancel.mutate({ callId })]);
      const won = results.filter((result) => result.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = results.find((result) => result.status === 'rejected');
      expect(appCodeOf((lost as PromiseRejectedResult).reason)).toBe('CALL_STATE');
      const [row] = (await ann.client.calls.history.query({ limit: 1 })).items;
      if (results[0].status === 'fulfilled') {
        expect(row).toMatchObject({ id: callId, status: 'active' });
        const hangups = await Promise.allSettled([ann.client.calls.hangup.mutate({ callId }), ben.client.calls.hangup.mutate({ callId })]);
        expect(hangups.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        expect((await ann.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({ status: 'ended', outcome: 'completed' });
      } else {
        expect(row).toMatchObject({ id: callId, status: 'ended', outcome: 'cancelled' });
      }
    }
  });

  it('two devices of the callee accepting at once: one answers, the other gets CALL_STATE', async () => {
    const secondDevice = createTestClient(env.server.url, { token: ben.token });
    try {
      const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'video' });
      const results = await Promise.allSettled([ben.client.calls.accept.mutate({ callId }), secondDevice.calls.accept.mutate({ callId })]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(appErrorOf(lost.reason)).toEqual({ code: 'CALL_STATE', details: { callId, status: 'active', outcome: null } });
      await secondDevice.calls.hangup.mutate({ callId });
    } finally {
      await closeChorusClient(secondDevice);
    }
  });

  it('two callers ringing the same callee at once: one rings, the other is busy', async () => {
    const results = await Promise.allSettled([
      ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }),
      cat.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }),
    ]);
    const rang = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(rang).toHaveLength(1);
    const busy = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(appCodeOf(busy.reason)).toBe('CALLEE_BUSY');
    await ben.client.calls.reject.mutate({ callId: rang[0]!.callId });
  });
});

describe('history', () => {
  it('pages newest first across made and received calls', async () => {
    const made = [];
    for (let index = 0; index < 3; index++) {
      const { callId } = await dan.client.calls.start.mutate({ calleeId: ann.id, media: 'audio' });
      await dan.client.calls.cancel.mutate({ callId });
      made.push(callId);
      const back = await ann.client.calls.start.mutate({ calleeId: dan.id, media: 'video' });
      await dan.client.calls.reject.mutate({ callId: back.callId });
      made.push(back.callId);
    }
    const expected = [...made].reverse();
    const page1 = await dan.client.calls.history.query({ limit: 4 });
    expect(page1.items.map((item) => item.id)).toEqual(expected.slice(0, 4));
    expect(page1.items.map((item) => item.direction)).toEqual(['incoming', 'outgoing', 'incoming', 'outgoing']);
    const page2 = await dan.client.calls.history.query({ limit: 4, cursor: page1.nextCursor! });
    expect(page2.items.map((item) => item.id)).toEqual(expected.slice(4));
    expect(page2.nextCursor).toBeNull();
  });
});
