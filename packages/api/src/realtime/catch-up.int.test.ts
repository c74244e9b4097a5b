import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from './event-hub';
import { RoomHub } from './room-hub';
import { roomKeys, userKeys } from './stream-keys';

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

type Position = number | string;

interface FakeListener {
  state: { position: Position; pokes: number };
  onDelivery(): void;
  onEphemeral(): void;
  onMaybeMissed(): void;
  position(): Position;
}

/** What the test needs of RoomHub and EventHub (their listeners differ only in the position type). */
interface Hub {
  listen(key: number, listener: FakeListener): Promise<() => void>;
  pokeBehind(): Promise<void>;
  close(): Promise<void>;
}

function listener(initial: Position): FakeListener {
  const state = { position: initial, pokes: 0 };
  return { state, onDelivery() {}, onEphemeral() {}, onMaybeMissed: () => void state.pokes++, position: () => state.position };
}

/** A hub, where it records heads, and positions: behind the head, at it, and ahead of an older one. */
const cases = [
  {
    name: 'room listeners (log seqs)',
    start: () => RoomHub.start(redis, pino({ level: 'silent' }), { catchUpMs: NEVER_MS }) as unknown as Promise<Hub>,
    headKey: (key: number) => roomKeys(key).head,
    key: 501,
    behind: 6,
    head: 7,
  },
  {
    name: 'user listeners (stream ids)',
    start: () => EventHub.start(redis, pino({ level: 'silent' }), { catchUpMs: NEVER_MS }) as unknown as Promise<Hub>,
    headKey: (key: number) => userKeys(key).head,
    key: 77,
    behind: '1700000000000-0',
    head: '1700000000000-1',
  },
] as const;

describe.each(cases)('catch-up checks: $name', ({ start, headKey, key, behind, head }) => {
  it('tell only a listener still behind the head seen a whole period earlier to read the log', async () => {
    const hub = await start();
    try {
      const caughtUp = listener(head);
      const lagging = listener(behind);
      const arriving = listener(behind);
      for (const each of [caughtUp, lagging, arriving]) await hub.listen(key, each);
      await redis.set(headKey(key), String(head));
      await hub.pokeBehind();
      // The head is new at this check: its event may still be on its way.
      expect([caughtUp.state.pokes, lagging.state.pokes, arriving.state.pokes]).toEqual([0, 0, 0]);
      arriving.state.position = head;
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
