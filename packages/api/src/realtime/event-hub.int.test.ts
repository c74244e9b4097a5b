import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL, EventHub, type Delivery, type HubListener } from './event-hub';

// The hub reads the recipients of a published event (`key \n user|id|prev,… \n body`) and hands
// each local one its ids and the event, parsed once.
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let hub: EventHub;

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
  hub = await EventHub.start(redis, pino({ level: 'silent' }), { catchUpMs: 3_600_000 });
});
afterAll(async () => {
  await hub?.close();
  redis?.disconnect();
  await redisService?.stop();
});

function recorder(): HubListener & { got: Delivery[] } {
  const got: Delivery[] = [];
  return { got, onDelivery: (delivery) => void got.push(delivery), onEphemeral() {}, onMaybeMissed() {}, position: () => '0-0' };
}

describe('event hub', () => {
  it("gives each local recipient its own ids, skips others and malformed entries, and parses the body once", async () => {
    const listeners = new Map([11, 12, 13, 14, 15, 16].map((user) => [user, recorder()]));
    const second = recorder();
    for (const [user, listener] of listeners) hub.listen(user, listener);
    hub.listen(11, second);
    const event = { type: 'message.created', at: new Date(7), note: 'a | b, c\n d' };
    // 99 is not local; 13 lacks its prev, 14 its id, 15 its user separator.
    const recipients = ['11|1-5|1-4', '99|9-1|9-0', '12|2-7|0-0', '13|3-1|', '14||4-0', '15', '16|6-2|6-1'].join(',');
    await redis.publish(EVENTS_CHANNEL, `c:1:2\n${recipients}\n${superjson.stringify(event)}`);
    const deadline = Date.now() + 5_000;
    while (listeners.get(16)!.got.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));

    const ids = (user: number) => listeners.get(user)!.got.map(({ id, prev }) => [id, prev]);
    expect(ids(11)).toEqual([['1-5', '1-4']]);
    expect(second.got.map(({ id }) => id)).toEqual(['1-5']);
    expect(ids(12)).toEqual([['2-7', '0-0']]);
    expect([ids(13), ids(14), ids(15)]).toEqual([[], [], []]);
    expect(ids(16)).toEqual([['6-2', '6-1']]);
    const delivered = listeners.get(11)!.got[0]!.event;
    expect(delivered).toEqual(event);
    expect(listeners.get(16)!.got[0]!.event).toBe(delivered);
  });
});
