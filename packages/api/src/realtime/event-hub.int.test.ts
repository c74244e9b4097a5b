import { startTestRedis } from '@chorus/testing';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPHEMERAL_CHANNEL, EVENTS_CHANNEL, EventHub, type Delivery, type HubListener } from './event-hub';
import type { ChorusEvent } from './events';
import { UserStreams } from './user-streams';

// The hub reads the recipients of a published event (`id prevId \n user,… \n body`), hands the
// local ones one delivery, parsed once, and tells every listener to read its stream when the
// previous id shows that a message went missing.
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

const message = (id: string, previous: string, users: number[], event: object) => `${id} ${previous}\n${users.join(',')}\n${superjson.stringify(event)}`;

describe('event hub', () => {
  it('hands the local recipients one delivery with the event parsed once, skipping users not here', async () => {
    const [ann, ben, second, other] = [recorder(), recorder(), recorder(), recorder()];
    const stops = [hub.listen(11, ann), hub.listen(12, ben), hub.listen(11, second), hub.listen(13, other)];
    const event = { type: 'message.created', at: new Date(7), note: 'a | b, c\n d' };
    // 99 is not here; the empty entry and the one that is not a number name nobody.
    await redis.publish(EVENTS_CHANNEL, message('1700000000000-4', '1700000000000-3', [11, 99, '', '1x', 12] as number[], event));
    await until(() => ben.got.length === 1);

    expect(ann.deliveries()).toEqual([{ id: '1700000000000-4', event }]);
    expect(second.got).toEqual(ann.got);
    const shared = ann.deliveries()[0]!;
    expect(ben.deliveries()[0]).toBe(shared);
    expect(second.deliveries()[0]).toBe(shared);
    expect(other.got).toEqual([]);
    for (const stop of stops) stop();
  });

  it('tells every listener to read its stream, before the next delivery, when a message went missing', async () => {
    const [ann, bystander] = [recorder(), recorder()];
    const stops = [hub.listen(21, ann), hub.listen(22, bystander)];
    const event = { type: 'typing', n: 1 };
    // Follows the last one received: nothing missed.
    await redis.publish(EVENTS_CHANNEL, message('1700000000000-5', '1700000000000-4', [21], event));
    await until(() => ann.got.length === 1);
    expect(bystander.got).toEqual([]);
    // Names a predecessor this hub never received: whatever it was, it may have been for anyone here.
    await redis.publish(EVENTS_CHANNEL, message('1700000000000-9', '1700000000000-8', [21], event));
    await until(() => ann.got.length === 3);
    expect(ann.got.slice(1).map((entry) => (entry === 'maybe missed' ? entry : entry.delivery.id))).toEqual(['maybe missed', '1700000000000-9']);
    expect(bystander.got).toEqual(['maybe missed']);
    // A malformed message is dropped without stopping the hub.
    await redis.publish(EVENTS_CHANNEL, 'no header');
    await redis.publish(EVENTS_CHANNEL, message('1700000000000-10', '1700000000000-9', [22], event));
    await until(() => bystander.got.length === 2);
    expect(ann.got).toHaveLength(3);
    for (const stop of stops) stop();
  });

  it('receives what the publishing script writes: one id per event, in order, each stream chained to its own previous entry', async () => {
    const streams = new UserStreams(redis, 60_000);
    // A hub of its own: the one above has received made-up ids.
    const fresh = await EventHub.start(redis, pino({ level: 'silent' }), { catchUpMs: 3_600_000 });
    const [ann, ben] = [recorder(), recorder()];
    const stops = [fresh.listen(31, ann), fresh.listen(32, ben)];
    const event = (n: number) => ({ type: 'message.deleted', n }) as unknown as ChorusEvent;
    await streams.publishUserEvent([31, 32, 31], 'hub-test-1', event(1));
    await streams.publishUserEvent([32], 'hub-test-2', event(2));
    await streams.publishUserEvent([31, 32], 'hub-test-3', event(3));
    await streams.publishUserEvent([31, 32], 'hub-test-3', event(3));
    await until(() => ben.got.length === 3);

    const [first, second, third] = ben.deliveries().map((delivery) => delivery.id);
    expect(ann.deliveries().map((delivery) => delivery.id)).toEqual([first, third]);
    expect(ann.deliveries()[0]).toBe(ben.deliveries()[0]);
    expect([...new Set([first, second, third])]).toHaveLength(3);
    expect([first, second, third]).toEqual([first, second, third].sort((a, b) => a!.localeCompare(b!, 'en', { numeric: true })));
    // Nothing was missed in between, though every message went to some other user too.
    expect([...ann.got, ...ben.got]).not.toContain('maybe missed');
    // Replay: each user's stream holds its own events, each following the one before.
    expect(await streams.readAfter(31, first!)).toMatchObject({ continuous: true, deliveries: [{ id: third, event: event(3) }] });
    expect(await streams.readAfter(32, first!)).toMatchObject({ continuous: true, deliveries: [{ id: second }, { id: third }] });
    expect(await streams.head(31)).toBe(third);
    // An id that is not a position of this user's stream does not pass for one.
    expect((await streams.readAfter(31, second!)).continuous).toBe(false);
    for (const stop of stops) stop();
    await fresh.close();
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
    const stops = [fresh.listen(41, broken), fresh.listen(41, after), fresh.listen(42, elsewhere)];
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await redis.publish(EVENTS_CHANNEL, `1700000000001-1 1700000000001-0 ${traceparent}\n41,42\n${superjson.stringify({ type: 'message.created', n: 1 })}`);
    await redis.publish(EPHEMERAL_CHANNEL, `41\n${superjson.stringify({ type: 'typing', n: 2 })}`);
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
