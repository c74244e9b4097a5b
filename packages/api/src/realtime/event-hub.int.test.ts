import { startTestRedis } from '@chorus/testing';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub, type Delivery, type HubListener } from './event-hub';
import type { ChorusEvent } from './events';
import { instanceChannel, userKeys } from './stream-keys';
import { UserStreams } from './user-streams';

// The hub holds a route in each listened user's keys and receives, on its own sharded channel,
// the deliveries for its users (`eventId \n user:prev[:id],… \n body`): the local recipients
// share one parsed event, each with their own previous entry id.
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

type Recorded = { delivery: Delivery } | 'maybe missed';

function recorder(): HubListener & { got: Recorded[]; deliveries: () => Delivery[] } {
  const got: Recorded[] = [];
  return {
    got,
    deliveries: () => got.flatMap((entry) => (entry === 'maybe missed' ? [] : [entry.delivery])),
    onDelivery: (delivery) => void got.push({ delivery }),
    onEphemeral() {},
    onMaybeMissed: () => void got.push('maybe missed'),
    position: () => '0-0',
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

describe('event hub', () => {
  it('routes a listened user to this instance while listened, and hands the local recipients their own entries of one parsed event', async () => {
    const [ann, ben, second, other] = [recorder(), recorder(), recorder(), recorder()];
    const stops = [await hub.listen(11, ann), await hub.listen(12, ben), await hub.listen(11, second), await hub.listen(13, other)];
    expect(Object.keys(await redis.hgetall(userKeys(11).routes))).toEqual([hub.instanceId]);
    const event = { type: 'message.created', at: new Date(7), note: 'a | b, c\n d' };
    // 99 is not here; the entry without a position names nobody; 12's entry has an id of its own.
    const recipients = '11:1700000000000-3,99:0-0,1x,12:1700000000000-1:1700000000000-5';
    await redis.spublish(instanceChannel(hub.instanceId), `1700000000000-4\n${recipients}\n${superjson.stringify(event)}`);
    await until(() => ben.got.length === 1);

    expect(ann.deliveries()).toEqual([{ id: '1700000000000-4', prev: '1700000000000-3', event }]);
    expect(ben.deliveries()).toEqual([{ id: '1700000000000-5', prev: '1700000000000-1', event }]);
    expect(second.got).toEqual(ann.got);
    expect(ben.deliveries()[0]!.event).toBe(ann.deliveries()[0]!.event);
    expect(other.got).toEqual([]);
    // A malformed message is dropped without stopping the hub.
    await redis.spublish(instanceChannel(hub.instanceId), 'no header');
    for (const stop of stops) stop();
    // The last listener of a user gone: so is the route.
    await expect.poll(() => redis.hgetall(userKeys(11).routes)).toEqual({});
  });

  it('receives what the publishing script writes: each stream chained to its own previous entry, the live copy only to routed instances', async () => {
    const streams = new UserStreams(redis, 60_000);
    const elsewhere = await EventHub.start(redis, pino({ level: 'silent' }), { catchUpMs: 3_600_000 });
    const [ann, ben, annThere] = [recorder(), recorder(), recorder()];
    const stops = [await hub.listen(31, ann), await hub.listen(32, ben), await elsewhere.listen(33, annThere)];
    const event = (n: number) => ({ type: 'message.deleted', n }) as unknown as ChorusEvent;
    await streams.publishUserEvent([31, 32, 31], 'hub-test-1', event(1));
    await streams.publishUserEvent([32], 'hub-test-2', event(2));
    await streams.publishUserEvent([31, 32], 'hub-test-3', event(3));
    await streams.publishUserEvent([31, 32], 'hub-test-3', event(3));
    await until(() => ben.got.length === 3 && ann.got.length === 2);

    const [first, second, third] = ben.deliveries().map((delivery) => delivery.id);
    const annIds = ann.deliveries().map((delivery) => delivery.id);
    expect(ann.deliveries().map((delivery) => delivery.prev)).toEqual(['0-0', annIds[0]]);
    expect(ben.deliveries().map((delivery) => delivery.prev)).toEqual(['0-0', first, second]);
    // The other instance has no listener of 31 or 32: it received nothing.
    expect(annThere.got).toEqual([]);
    // Replay: each user's stream holds its own events, each following the one before.
    expect(await streams.readAfter(31, annIds[0]!)).toMatchObject({ continuous: true, deliveries: [{ id: annIds[1], event: event(3) }] });
    expect(await streams.readAfter(32, first!)).toMatchObject({ continuous: true, deliveries: [{ id: second }, { id: third }] });
    expect(await streams.head(31)).toBe(annIds[1]);
    // An id that is not a position of this user's stream does not pass for one.
    expect((await streams.readAfter(31, '1-0')).continuous).toBe(false);
    for (const stop of stops) stop();
    await elsewhere.close();
  });

  it('keeps a throwing listener to itself: logged, the others still served, the deliver span ended', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const logged: Array<{ msg: string; type?: string }> = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string; type?: string }) });
    const fresh = await EventHub.start(redis, logger, { catchUpMs: 3_600_000, tracer });
    const broken: HubListener = {
      ...recorder(),
      onDelivery: () => {
        throw new Error('socket gone');
      },
      onEphemeral: () => {
        throw new Error('socket gone');
      },
    };
    const [after, elsewhere] = [recorder(), recorder()];
    const typing: object[] = [];
    after.onEphemeral = (event) => void typing.push(event);
    const stops = [await fresh.listen(41, broken), await fresh.listen(41, after), await fresh.listen(42, elsewhere)];
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const channel = instanceChannel(fresh.instanceId);
    await redis.spublish(channel, `1700000000001-1 ${traceparent}\n41:0-0,42:0-0\n${superjson.stringify({ type: 'message.created', n: 1 })}`);
    await new UserStreams(redis, 60_000).publishEphemeral([41, 43], { type: 'typing', n: 2 } as unknown as ChorusEvent);
    await until(() => typing.length === 1 && elsewhere.got.length === 1);

    expect(after.deliveries().map((delivery) => delivery.id)).toEqual(['1700000000001-1']);
    expect(elsewhere.deliveries().map((delivery) => delivery.id)).toEqual(['1700000000001-1']);
    expect(typing).toEqual([{ type: 'typing', n: 2 }]);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.spanContext().traceId])).toEqual([['event deliver', '0af7651916cd43dd8448eb211c80319c']]);
    expect(logged.map((entry) => [entry.msg, entry.type])).toEqual([
      ['event listener failed', 'message.created'],
      ['event listener failed', 'typing'],
    ]);
    for (const stop of stops) stop();
    await fresh.close();
  });
});
