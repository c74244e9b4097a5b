import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomEvent, RoomEventEnvelope } from './events';
import { RoomHub, type RoomDelivery, type RoomListener } from './room-hub';

let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisService?.stop();
});

function recorder(): RoomListener & { deliveries: RoomDelivery[]; ephemeral: RoomEvent[] } {
  const deliveries: RoomDelivery[] = [];
  const ephemeral: RoomEvent[] = [];
  return {
    deliveries,
    ephemeral,
    onDelivery: (delivery) => void deliveries.push(delivery),
    onEphemeral: (event) => void ephemeral.push(event),
    onMaybeMissed: () => undefined,
    position: () => deliveries.at(-1)?.seq ?? 0,
  };
}

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 5_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('room hub', () => {
  it('keeps a throwing listener to itself: logged, the room’s other listeners still served', async () => {
    const logged: Array<{ msg: string; channel?: string }> = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string; channel?: string }) });
    const hub = await RoomHub.start(redis, logger, { catchUpMs: 3_600_000 });
    const broken: RoomListener = {
      ...recorder(),
      onDelivery: () => {
        throw new Error('socket gone');
      },
      onEphemeral: () => {
        throw new Error('socket gone');
      },
    };
    const healthy = recorder();
    const stops = [await hub.listen(77, broken), await hub.listen(77, healthy)];
    await hub.publish(77, 1, { type: 'room.message', seq: 1 } as unknown as RoomEventEnvelope);
    await hub.publishEphemeral(77, { type: 'room.typing' } as unknown as RoomEvent);
    await until(() => healthy.deliveries.length === 1 && healthy.ephemeral.length === 1);
    expect(healthy.deliveries[0]?.seq).toBe(1);
    await until(() => logged.length === 2);
    expect(logged.map((line) => line.msg)).toEqual(['room listener failed', 'room listener failed']);
    for (const stop of stops) stop();
    await hub.close();
  });
});
