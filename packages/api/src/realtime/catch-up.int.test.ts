import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from './event-hub';
import { RoomHub } from './room-hub';

// The periodic check for a lost final live message: a listener is told to read the log only
// when it is behind the head seen one period earlier, never for an event still in flight.
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
/** The timer never fires during a test: each check is run by hand. */
const NEVER_MS = 3_600_000;

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisService?.stop();
});


function listener<P>(initial: P) {
  const state = { position: initial, pokes: 0 };
  return { state, onDelivery() {}, onEphemeral() {}, onMaybeMissed: () => void state.pokes++, position: () => state.position };
}

describe('catch-up checks', () => {
  it('room listeners: only one still behind a head a whole period old is told to read the log', async () => {
    const hub = await RoomHub.start(redis, pino({ level: 'silent' }), { catchUpMs: NEVER_MS });
    try {
      const caughtUp = listener(7);
      const lagging = listener(6);
      const arriving = listener(6);
      hub.listen(501, caughtUp);
      hub.listen(501, lagging);
      hub.listen(501, arriving);
      await redis.hset('chorus:rlast', '501', '7');
      await hub.pokeBehind();
      // Seq 7 is new at this check: it may still be on its way.
      expect([caughtUp.state.pokes, lagging.state.pokes, arriving.state.pokes]).toEqual([0, 0, 0]);
      arriving.state.position = 7;
      await hub.pokeBehind();
      expect([caughtUp.state.pokes, lagging.state.pokes, arriving.state.pokes]).toEqual([0, 1, 0]);
      // Told again at every check while it stays behind.
      await hub.pokeBehind();
      expect(lagging.state.pokes).toBe(2);
    } finally {
      await hub.close();
    }
  });

  it('user listeners: the same rule against the stream head', async () => {
    const hub = await EventHub.start(redis, pino({ level: 'silent' }), { catchUpMs: NEVER_MS });
    try {
      const caughtUp = listener('1700000000000-1');
      const lagging = listener('1700000000000-0');
      const arriving = listener('1699999999999-5');
      hub.listen(77, caughtUp);
      hub.listen(77, lagging);
      hub.listen(77, arriving);
      await redis.hset('chorus:ulast', '77', '1700000000000-1');
      await hub.pokeBehind();
      expect([caughtUp.state.pokes, lagging.state.pokes, arriving.state.pokes]).toEqual([0, 0, 0]);
      arriving.state.position = '1700000000000-1';
      await hub.pokeBehind();
      expect([caughtUp.state.pokes, lagging.state.pokes, arriving.state.pokes]).toEqual([0, 1, 0]);
      // Told again at every check while it stays behind.
      await hub.pokeBehind();
      expect(lagging.state.pokes).toBe(2);
    } finally {
      await hub.close();
    }
  });
});
