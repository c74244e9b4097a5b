// Synchronized playback across two server instances sharing one database and one Redis: the
// owner (on A) plays, seeks, changes the rate and pauses; members subscribed on A and on B see
// each change in order, a late joiner on B starts from the current state, and members' reported
// positions come back as drift (in the report's answer, in rooms.get and in a drift summary).
import { closeChorusClient, type ChorusClient, type PlaybackState, type RoomEvent } from '@chorus/client';
import {
  collectRoomEvents,
  createTestClient,
  createTestDatabase,
  failure,
  startMailedTestServer,
  startTestRedis,
  startTestServer,
  type EventCollector,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type PlaybackEvent = Extract<RoomEvent, { type: 'room.playback' }>;

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let a: MailedTestServer;
let b: TestServer;
let ann: TestAccount; // owner, on A
let ben: TestAccount; // member, on B
let cat: TestAccount; // member, on A
let dan: TestAccount; // late joiner, on B
const onB = new Map<number, ChorusClient>();
const clientOnB = (account: TestAccount) => onB.get(account.id) ?? onB.set(account.id, createTestClient(b.url, { token: account.token })).get(account.id)!;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url });
  b = await startTestServer({ database, redisUrl: redis.url });
  ann = await a.accounts.register('ann');
  ben = await a.accounts.register('ben');
  cat = await a.accounts.register('cat');
  dan = await a.accounts.register('dan');
});
afterAll(async () => {
  await Promise.allSettled([...onB.values()].map((client) => closeChorusClient(client)));
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([redis?.stop(), database?.drop()]);
});

const syncRoom = { visibility: 'public', joinPolicy: 'open', syncEnabled: true, controlPolicy: 'owner' } as const;
const MEDIA = 'https://media.example.com/film.mp4';

/** Where a playing state is now, as a client computes it from the state it was sent. */
const positionNow = (state: PlaybackState) => state.positionSec + (state.paused ? 0 : ((Date.now() - state.updatedAt.getTime()) / 1000) * state.rate);

function playbackEvents(events: EventCollector<RoomEvent>) {
  return events.received.filter((entry): entry is { id: string; data: PlaybackEvent } => entry.data.type === 'room.playback');
}

describe('synchronized playback on two instances', () => {
  it('delivers the controller’s changes in order, gives a late joiner the current state, and reports drift', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Film club', ...syncRoom });
    await clientOnB(ben).rooms.join.mutate({ roomId: room.id });
    await cat.client.rooms.join.mutate({ roomId: room.id });
    const benEvents = collectRoomEvents(clientOnB(ben), room.id);
    const catEvents = collectRoomEvents(cat.client, room.id);
    await benEvents.waitFor((event) => event.type === 'room.snapshot');
    await catEvents.waitFor((event) => event.type === 'room.snapshot');

    const control = (input: { action: PlaybackEvent['action']; positionSec?: number; mediaUrl?: string; rate?: number }) =>
      ann.client.rooms.playback.control.mutate({ roomId: room.id, ...input });
    const media = await control({ action: 'set_media', mediaUrl: MEDIA });
    expect(media).toMatchObject({ mediaUrl: MEDIA, paused: true, positionSec: 0, rate: 1, updatedBy: ann.id });
    const played = await control({ action: 'play' });
    expect(played).toMatchObject({ mediaUrl: MEDIA, paused: false, positionSec: 0, rate: 1 });
    const sought = await control({ action: 'seek', positionSec: 120 });
    expect(sought).toMatchObject({ paused: false, positionSec: 120, rate: 1 });
    const rated = await control({ action: 'set_rate', rate: 1.5 });
    expect(rated).toMatchObject({ paused: false, rate: 1.5 });
    expect(rated.positionSec).toBeGreaterThanOrEqual(120);
    expect(rated.positionSec).toBeLessThan(125);

    // While playing, a player at the position it computes from the last state is in sync.
    const playing = await clientOnB(ben).rooms.playback.report.mutate({ roomId: room.id, positionSec: positionNow(rated), paused: false });
    expect(playing).toMatchObject({ userId: ben.id, paused: false, inSync: true });
    expect(Math.abs(playing.driftSec)).toBeLessThan(0.5);

    await new Promise((resolve) => setTimeout(resolve, 100));
    const paused = await control({ action: 'pause' });
    expect(paused).toMatchObject({ mediaUrl: MEDIA, paused: true, rate: 1.5, updatedBy: ann.id });
    // The pause holds the position reached at 1.5× since the rate change.
    expect(paused.positionSec).toBeCloseTo(rated.positionSec + ((paused.updatedAt.getTime() - rated.updatedAt.getTime()) / 1000) * 1.5, 3);
    expect(paused.positionSec).toBeGreaterThan(rated.positionSec + 0.1);
    const states = [media, played, sought, rated, paused];

    // Both subscribers, on B and on A, got every change once, in order, with increasing ids.
    for (const events of [benEvents, catEvents]) {
      await events.waitFor((event) => event.type === 'room.playback' && event.action === 'pause');
      const received = playbackEvents(events);
      expect(received.map((entry) => entry.data.action)).toEqual(['set_media', 'play', 'seek', 'set_rate', 'pause']);
      expect(received.map((entry) => entry.data.playback)).toEqual(states);
      const ids = received.map((entry) => Number(entry.id));
      expect(ids).toEqual(received.map((entry) => entry.data.seq));
      expect(ids.every((id, index) => index === 0 || id > ids[index - 1]!)).toBe(true);
    }
    expect(playbackEvents(benEvents).map((entry) => entry.id)).toEqual(playbackEvents(catEvents).map((entry) => entry.id));

    // A late joiner on B starts from the current (paused) state. (Soft: the drift checks below still run.)
    await clientOnB(dan).rooms.join.mutate({ roomId: room.id });
    const danEvents = collectRoomEvents(clientOnB(dan), room.id);
    const snapshot = await danEvents.waitFor((event) => event.type === 'room.snapshot');
    expect.soft(snapshot.playback, 'late joiner’s snapshot playback').toEqual(paused);
    expect.soft(snapshot.seq, 'late joiner’s snapshot seq').toBeGreaterThan(Number(playbackEvents(benEvents).at(-1)!.id));
    expect.soft(snapshot.members.map((member) => member.userId).sort(), 'late joiner’s snapshot members').toEqual([ann.id, ben.id, cat.id, dan.id].sort());
    // The pause made the earlier report stale.
    expect(snapshot.drift).toEqual([]);
    expect((await clientOnB(dan).rooms.get.query({ roomId: room.id })).playback).toEqual(paused);

    // One member in sync (on A), one 5 s behind (on B).
    const inSync = await cat.client.rooms.playback.report.mutate({ roomId: room.id, positionSec: paused.positionSec, paused: true });
    expect(inSync).toMatchObject({ userId: cat.id, positionSec: paused.positionSec, paused: true, inSync: true });
    expect(inSync.driftSec).toBeCloseTo(0, 3);
    const behind = await clientOnB(ben).rooms.playback.report.mutate({ roomId: room.id, positionSec: paused.positionSec - 5, paused: true });
    expect(behind).toMatchObject({ userId: ben.id, paused: true, inSync: false });
    expect(behind.driftSec).toBeCloseTo(-5, 3);

    const view = await clientOnB(dan).rooms.get.query({ roomId: room.id });
    expect(view.drift).toEqual([inSync, behind].sort((x, y) => x.userId - y.userId));
    expect((await ann.client.rooms.get.query({ roomId: room.id })).drift).toEqual(view.drift);

    // The drift summary reaches subscribers on both instances.
    for (const events of [danEvents, catEvents]) {
      const summary = await events.waitFor((event) => event.type === 'playback.drift' && event.outOfSync.some((entry) => entry.userId === ben.id));
      expect(summary).toMatchObject({ outOfSync: [behind], inSyncCount: 1 });
    }
    for (const events of [benEvents, catEvents, danEvents]) {
      expect(events.errors).toEqual([]);
      events.stop();
    }
  });

  it('rooms.clock answers with the server’s time on either instance', async () => {
    for (const client of [ann.client, clientOnB(ben)]) {
      const before = Date.now();
      const answer = await client.rooms.clock.query({ clientTime: before });
      const after = Date.now();
      expect(answer.clientTime).toBe(before);
      expect(answer.serverTime).toBeGreaterThanOrEqual(before - 100);
      expect(answer.serverTime).toBeLessThanOrEqual(after + 100);
    }
  });

  it('refuses control by a plain member and reports where sync is off', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'Owner only', ...syncRoom });
    await clientOnB(ben).rooms.join.mutate({ roomId: room.id });
    await ann.client.rooms.playback.control.mutate({ roomId: room.id, action: 'set_media', mediaUrl: MEDIA });
    expect(await failure(clientOnB(ben).rooms.playback.control.mutate({ roomId: room.id, action: 'play' }))).toBe('FORBIDDEN');
    expect((await ann.client.rooms.get.query({ roomId: room.id })).playback).toMatchObject({ paused: true, updatedBy: ann.id });

    const unsynced = await ann.client.rooms.create.mutate({ name: 'Just chat', ...syncRoom, syncEnabled: false });
    await clientOnB(ben).rooms.join.mutate({ roomId: unsynced.id });
    expect(await failure(clientOnB(ben).rooms.playback.report.mutate({ roomId: unsynced.id, positionSec: 10, paused: true }))).toBe('SYNC_DISABLED');
    expect(await failure(ann.client.rooms.playback.control.mutate({ roomId: unsynced.id, action: 'set_media', mediaUrl: MEDIA }))).toBe('SYNC_DISABLED');
  });
});
