import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub, type Delivery, type HubListener } from './event-hub';
import { userEventStream } from './event-stream';
import type { ChorusEvent } from './events';
import { instanceChannel } from './stream-keys';
import { UserStreams } from './user-streams';

// A publisher hands the copy for its own instance's listeners to its hub in-process; every
// other instance still gets its copy by SPUBLISH. Both paths must deliver the same thing: the
// same events, each with the recipient's own entry id and the entry before it, as the stream
// holds them.
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let watcher: Redis;
let here: EventHub;
let elsewhere: EventHub;
/** Messages that went through Redis on this instance's channel. */
const throughRedis: string[] = [];

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
  watcher = new Redis(redisService.url);
  const silent = pino({ level: 'silent' });
  [here, elsewhere] = await Promise.all([EventHub.start(redis, silent, { catchUpMs: 3_600_000 }), EventHub.start(redis, silent, { catchUpMs: 3_600_000 })]);
  watcher.on('smessage', (_channel: string, message: string) => void throughRedis.push(message));
  await watcher.ssubscribe(instanceChannel(here.instanceId));
});
afterAll(async () => {
  await Promise.all([here?.close(), elsewhere?.close()]);
  watcher?.disconnect();
  redis?.disconnect();
  await redisService?.stop();
});

function recorder(): HubListener & { got: Delivery[]; typing: ChorusEvent[] } {
  const got: Delivery[] = [];
  const typing: ChorusEvent[] = [];
  return {
    got,
    typing,
    onDelivery: (delivery) => void got.push(delivery),
    onEphemeral: (event) => void typing.push(event),
    onMaybeMissed() {},
    position: () => '0-0',
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

const event = (n: number) => ({ type: 'message.deleted', messageId: n }) as unknown as ChorusEvent;

/**
 * Users `base`+1 (two listeners here), +2 (elsewhere) and +3 (both), four events and a typing
 * event through `streams`: what each listener got, its entries written as positions in the
 * user's stream, and whether the live copies match the stream.
 */
async function scenario(streams: UserStreams, base: number) {
  const [one, oneAgain, two, threeHere, threeThere] = [recorder(), recorder(), recorder(), recorder(), recorder()];
  const [u1, u2, u3] = [base + 1, base + 2, base + 3];
  const stops = [
    await here.listen(u1, one),
    await here.listen(u1, oneAgain),
    await elsewhere.listen(u2, two),
    await here.listen(u3, threeHere),
    await elsewhere.listen(u3, threeThere),
  ];
  await streams.publishUserEvent([u1, u2, u3], `${base}-1`, event(1));
  await streams.publishUserEvent([u1, u3], `${base}-2`, event(2));
  await streams.publishUserEvent([u2], `${base}-3`, event(3));
  await streams.publishUserEvent([u3, u2, u1], `${base}-4`, event(4));
  await streams.publishEphemeral([u1, u2, u3], { type: 'typing', n: base } as unknown as ChorusEvent);
  const all = [one, oneAgain, two, threeHere, threeThere];
  await until(() => all.every((listener) => listener.typing.length === 1) && one.got.length === 3 && two.got.length === 3 && threeThere.got.length === 3);
  for (const stop of stops) stop();
  const users = [u1, u1, u2, u3, u3];
  const positions = await Promise.all(
    users.map(async (user, index) => {
      const stored = (await streams.readAfter(user, '0-0')).deliveries;
      // The live copies are the stream's entries, ids and previous ids included.
      expect(all[index]!.got).toEqual(stored);
      const at = (id: string) => (id === '0-0' ? -1 : stored.findIndex((entry) => entry.id === id));
      return all[index]!.got.map((delivery) => ({ at: at(delivery.id), prev: at(delivery.prev), event: delivery.event }));
    }),
  );
  return { positions, typing: all.map((listener) => listener.typing.map((typing) => ({ ...typing, n: 0 }))) };
}

describe('local hand-over', () => {
  it('delivers what SPUBLISH delivers, and keeps this instance’s copies off Redis', async () => {
    const ordinary = new UserStreams(redis, 60_000);
    const fast = new UserStreams(redis, 60_000);
    fast.local = here;

    const before = { local: here.stats.localHandOvers, redis: throughRedis.length };
    const throughRedisOnly = await scenario(ordinary, 100);
    expect(here.stats.localHandOvers).toBe(before.local);
    await until(() => throughRedis.length === before.redis + 4);

    const handedOver = await scenario(fast, 200);
    expect(handedOver).toEqual(throughRedisOnly);
    // Three events and the typing event reached this instance's listeners without Redis.
    expect(here.stats.localHandOvers).toBe(before.local + 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(throughRedis.length).toBe(before.redis + 4);
  });

  it('a local copy overtaking a copy still in Redis is caught up from the stream: every event once, in stream order', async () => {
    const ordinary = new UserStreams(redis, 60_000);
    const fast = new UserStreams(redis, 60_000);
    fast.local = here;
    const user = 301;
    const controller = new AbortController();
    const seen: string[] = [];
    const stream = userEventStream({ hub: here, streams: fast }, user, {
      lastEventId: null,
      signal: controller.signal,
      snapshot: async () => ({ type: 'presence.snapshot', users: [] }),
    });
    const count = 40;
    const reading = (async () => {
      for await (const [id, received] of stream as AsyncIterable<[string, ChorusEvent]>) {
        if (received.type === 'presence.snapshot') {
          // Publishers here and elsewhere at once, without waiting: local copies overtake remote ones.
          const sends = [];
          for (let n = 0; n < count; n++) sends.push((n % 2 === 0 ? ordinary : fast).publishUserEvent([user], `race-${n}`, event(n)));
          await Promise.all(sends);
          continue;
        }
        seen.push(id);
        if (seen.length >= count) break;
      }
    })();
    await reading;
    controller.abort();
    const stored = (await fast.readAfter(user, '0-0')).deliveries.map((delivery) => delivery.id);
    expect(stored).toHaveLength(count);
    expect(seen).toEqual(stored);
  });
});
