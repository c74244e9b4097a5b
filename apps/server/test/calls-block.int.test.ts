// A block ends any call between the two users at once (as a hangup by the blocker would), and
// no other call; the blocked pair cannot call again; a block racing a call start leaves no live call.
import { appCodeOf, closeChorusClient, type ChorusClient } from '@chorus/client';
import { calls, notifications } from '@chorus/db';
import { collectEvents, createTestClient, failure, startMailedTestServer, type EventCollector, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { and, eq, inArray, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, callEvents, callUpdate, failureWithDetails, incomingCall, sleep } from './calls-fixtures';

let env: MailedTestServer;
const devices: ChorusClient[] = [];
const streams: EventCollector[] = [];

beforeAll(async () => {
  // A long ring timeout: nothing here may end by the sweeper.
  env = await startMailedTestServer({ calls: { ringTimeoutMs: 60_000, sweepEveryMs: 200 } });
});
afterAll(async () => {
  for (const stream of streams) stream.stop();
  await Promise.allSettled(devices.map((device) => closeChorusClient(device)));
  await env?.stop();
});

/** Another device of the account, closed at the end. */
function secondDevice(account: TestAccount): ChorusClient {
  const device = createTestClient(env.server.url, { token: account.token });
  devices.push(device);
  return device;
}

/** An open event stream (presence snapshot received, so the user counts as online). */
async function listen(client: ChorusClient): Promise<EventCollector> {
  const events = collectEvents(client);
  streams.push(events);
  await events.waitFor((event) => event.type === 'presence.snapshot');
  return events;
}

const signal = (client: ChorusClient, callId: number) => client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0' } });

/** Live calls between two users, straight from the table. */
const liveCallsBetween = (x: number, y: number) =>
  env.server.deps.db
    .select()
    .from(calls)
    .where(
      and(
        inArray(calls.status, ['ringing', 'active']),
        or(and(eq(calls.callerId, x), eq(calls.calleeId, y)), and(eq(calls.callerId, y), eq(calls.calleeId, x))),
      ),
    );

const notificationsAbout = async (userId: number, callId: number) =>
  (await env.server.deps.db.select().from(notifications).where(eq(notifications.userId, userId))).filter(
    (row) => (row.payload as { callId?: number }).callId === callId,
  );

describe('a block ends the call between the two', () => {
  it('an active call ends completed when the callee blocks the caller: every device of both hears it, signals fail, history shows it', async () => {
    const ann = await env.accounts.register('ann');
    const ben = await env.accounts.register('ben');
    await befriend(ann, ben);
    const benPhone = secondDevice(ben);
    const annEvents = await listen(ann.client);
    const benEvents = await listen(ben.client);
    const benPhoneEvents = await listen(benPhone);

    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'video' });
    await incomingCall(benPhoneEvents, callId);
    await ben.client.calls.accept.mutate({ callId });
    await callUpdate(annEvents, callId, 'active');
    await signal(ann.client, callId);
    const beforeBlock = annEvents.lastId();

    await ben.client.friends.block.mutate({ userId: ann.id });
    const [annEnded, benEnded, phoneEnded] = await Promise.all([
      callUpdate(annEvents, callId, 'ended', 'completed'),
      callUpdate(benEvents, callId, 'ended', 'completed'),
      callUpdate(benPhoneEvents, callId, 'ended', 'completed'),
    ]);
    expect(annEnded.call).toMatchObject({ id: callId, status: 'ended', outcome: 'completed', endedBy: ben.id });
    expect(annEnded.call.endedAt).toBeInstanceOf(Date);
    expect(annEnded.call.durationSec).toBeGreaterThanOrEqual(0);
    expect(benEnded.call).toEqual(annEnded.call);
    expect(phoneEnded.call).toEqual(annEnded.call);

    // Signals are refused as for any ended call, from both sides; so are the call actions.
    expect(await failureWithDetails(signal(ann.client, callId))).toEqual({ code: 'CALL_STATE', details: { callId, status: 'ended', outcome: 'completed' } });
    expect(await failure(signal(ben.client, callId))).toBe('CALL_STATE');
    expect(await failure(ann.client.calls.hangup.mutate({ callId }))).toBe('CALL_STATE');

    // History on both sides.
    const [annLast] = (await ann.client.calls.history.query({ limit: 1 })).items;
    expect(annLast).toMatchObject({ id: callId, direction: 'outgoing', status: 'ended', outcome: 'completed', endedBy: ben.id });
    const [benLast] = (await ben.client.calls.history.query({ limit: 1 })).items;
    expect(benLast).toMatchObject({ id: callId, direction: 'incoming', status: 'ended', outcome: 'completed', endedBy: ben.id });

    // The end is persisted like any transition: a stream resuming from before the block replays it.
    const annResumed = collectEvents(secondDevice(ann), beforeBlock);
    streams.push(annResumed);
    await callUpdate(annResumed, callId, 'ended', 'completed');

    // Blocking again changes nothing; the blocked user only ever saw a hangup, never the block.
    await ben.client.friends.block.mutate({ userId: ann.id });
    await sleep(200);
    const ends = (events: EventCollector) => callEvents(events, callId).filter((event) => event.type === 'call.updated' && event.call.status === 'ended');
    expect(ends(annEvents)).toHaveLength(1);
    expect(ends(benEvents)).toHaveLength(1);
    expect(annEvents.received.some((entry) => entry.data.type.startsWith('friend.'))).toBe(false);
    await benEvents.waitFor((event) => event.type === 'friend.blocked' && event.userId === ann.id);

    // While the block stands, neither may call the other.
    expect(await failure(ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await failure(ben.client.calls.start.mutate({ calleeId: ann.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');
    expect(await liveCallsBetween(ann.id, ben.id)).toEqual([]);
  });

  it('a ringing call ends rejected when the callee blocks the caller, cancelled when the caller blocks the callee; no missed-call notice', async () => {
    const cat = await env.accounts.register('cat');
    const dan = await env.accounts.register('dan');
    const eve = await env.accounts.register('eve');
    await befriend(cat, dan);
    await befriend(cat, eve);
    const danPhone = secondDevice(dan);
    const catEvents = await listen(cat.client);
    const danEvents = await listen(dan.client);
    const danPhoneEvents = await listen(danPhone);
    const eveEvents = await listen(eve.client);

    // The callee blocks the caller while it rings: every device of the callee stops ringing.
    const first = await cat.client.calls.start.mutate({ calleeId: dan.id, media: 'audio' });
    await incomingCall(danEvents, first.callId);
    await incomingCall(danPhoneEvents, first.callId);
    await danPhone.friends.block.mutate({ userId: cat.id });
    for (const events of [catEvents, danEvents, danPhoneEvents]) {
      const ended = await callUpdate(events, first.callId, 'ended', 'rejected');
      expect(ended.call).toMatchObject({ endedBy: dan.id, answeredAt: null, durationSec: null });
    }
    expect(await failure(dan.client.calls.accept.mutate({ callId: first.callId }))).toBe('CALL_STATE');
    expect(await failure(signal(cat.client, first.callId))).toBe('CALL_STATE');
    expect((await cat.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({
      id: first.callId,
      status: 'ended',
      outcome: 'rejected',
      endedBy: dan.id,
    });
    expect(await failure(cat.client.calls.start.mutate({ calleeId: dan.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');

    // The caller blocks the callee while it rings.
    const second = await cat.client.calls.start.mutate({ calleeId: eve.id, media: 'video' });
    await incomingCall(eveEvents, second.callId);
    await cat.client.friends.block.mutate({ userId: eve.id });
    const ended = await callUpdate(eveEvents, second.callId, 'ended', 'cancelled');
    expect(ended.call).toMatchObject({ endedBy: cat.id, answeredAt: null });
    await callUpdate(catEvents, second.callId, 'ended', 'cancelled');
    expect(await failure(eve.client.calls.accept.mutate({ callId: second.callId }))).toBe('CALL_STATE');
    expect(await failure(signal(eve.client, second.callId))).toBe('CALL_STATE');
    expect((await eve.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({ id: second.callId, outcome: 'cancelled', direction: 'incoming' });
    expect(await failure(eve.client.calls.start.mutate({ calleeId: cat.id, media: 'audio' }))).toBe('CALL_NOT_ALLOWED');

    // Ending by a block leaves no notification, like a hangup.
    expect(await notificationsAbout(dan.id, first.callId)).toEqual([]);
    expect(await notificationsAbout(eve.id, second.callId)).toEqual([]);
  });

  it('blocking someone you are not in a call with leaves your call with a third person going', async () => {
    const fay = await env.accounts.register('fay');
    const gus = await env.accounts.register('gus');
    const hal = await env.accounts.register('hal');
    await befriend(fay, gus);
    await befriend(fay, hal);
    await befriend(gus, hal);
    const fayEvents = await listen(fay.client);
    const gusEvents = await listen(gus.client);

    const { callId } = await fay.client.calls.start.mutate({ calleeId: gus.id, media: 'audio' });
    await gus.client.calls.accept.mutate({ callId });
    await callUpdate(fayEvents, callId, 'active');

    // Each party blocks hal, and hal blocks one of them: none of it touches fay and gus's call.
    await fay.client.friends.block.mutate({ userId: hal.id });
    await hal.client.friends.block.mutate({ userId: gus.id });
    await sleep(300);
    expect(callEvents(fayEvents, callId).map((event) => event.type === 'call.updated' && event.call.status)).toEqual(['active']);
    expect(
      callEvents(gusEvents, callId)
        .filter((event) => event.type === 'call.updated')
        .map((event) => event.type === 'call.updated' && event.call.status),
    ).toEqual(['active']);
    expect((await fay.client.calls.history.query({ limit: 1 })).items[0]).toMatchObject({ id: callId, status: 'active', outcome: null });
    await fay.client.calls.signal.mutate({ callId, kind: 'offer', payload: { sdp: 'v=0 still here' } });
    await gusEvents.waitFor((event) => event.type === 'call.signal' && event.callId === callId && event.kind === 'offer');

    await gus.client.calls.hangup.mutate({ callId });
    await callUpdate(fayEvents, callId, 'ended', 'completed');
  });

  it('a block racing a call start never leaves a live call between the two', async () => {
    const ivy = await env.accounts.register('ivy');
    const jay = await env.accounts.register('jay');
    // The block goes out a little later each round, so both orders (and what lies between) occur.
    for (const delayMs of [0, 0, 2, 5, 10, 20, 40, 80]) {
      await jay.client.friends.unblock.mutate({ userId: ivy.id });
      await befriend(ivy, jay);
      const [started] = await Promise.allSettled([
        ivy.client.calls.start.mutate({ calleeId: jay.id, media: 'audio' }),
        sleep(delayMs).then(() => jay.client.friends.block.mutate({ userId: ivy.id })),
      ]);
      if (started.status === 'rejected') {
        expect(appCodeOf(started.reason)).toBe('CALL_NOT_ALLOWED');
      } else {
        const [row] = (await ivy.client.calls.history.query({ limit: 1 })).items;
        expect(row).toMatchObject({ id: started.value.callId, status: 'ended', outcome: 'rejected', endedBy: jay.id });
      }
      expect(await liveCallsBetween(ivy.id, jay.id)).toEqual([]);
    }
  });
});
