import { exposedGc, startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomHub } from './room-hub';
import { roomEventStream, type RoomSnapshot } from './room-stream';

// A room of 2,000 has a snapshot listing every member; each of its subscribers keeping its own
// after sending it would add up to hundreds of megabytes.
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let hub: RoomHub;

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
  hub = await RoomHub.start(redis, pino({ level: 'silent' }), { catchUpMs: 3_600_000 });
});
afterAll(async () => {
  await hub?.close();
  redis?.disconnect();
  await redisService?.stop();
});

describe('room event stream', () => {
  it('keeps no snapshot once it has been taken and the stream waits for more', async () => {
    const gc = exposedGc();
    const controller = new AbortController();
    let snapshotRef: WeakRef<object> | null = null;
    const stream = roomEventStream(
      // A fresh subscription with nothing to replay never reads the log.
      { hub, db: null as never },
      {
        roomId: 4242,
        userId: 1,
        lastEventId: undefined,
        visibleFrom: new Date(0),
        signal: controller.signal,
        snapshot: async () => {
          const members = Array.from({ length: 2_000 }, (_, userId) => ({ userId, role: 'member', status: 'online' }));
          const event = { type: 'room.snapshot', roomId: 4242, members } as unknown as RoomSnapshot['event'];
          snapshotRef = new WeakRef(event);
          return { seq: 7, event };
        },
      },
    );
    await (async () => {
      const [id, data] = (await stream.next()).value as unknown as [string, { type: string; members: unknown[] }];
      expect(id).toBe('7');
      expect(data.type).toBe('room.snapshot');
      expect(data.members).toHaveLength(2_000);
    })();
    const waiting = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    expect(snapshotRef!.deref()).toBeUndefined();
    controller.abort();
    await waiting;
    await stream.return(undefined);
  });
});
