import { startTestRedis } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadLocker } from './upload-locker';

// tus's per-upload locks on a real Redis: two lockers stand for two instances.
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let here: UploadLocker;
let there: UploadLocker;

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
  [here, there] = await Promise.all([UploadLocker.start(redis, pino({ level: 'silent' })), UploadLocker.start(redis, pino({ level: 'silent' }))]);
});
afterAll(async () => {
  here?.close();
  there?.close();
  redis?.disconnect();
  await redisService?.stop();
});

/** A lock request whose cancel callback counts the times its holder was asked to let go. */
function holder() {
  const asked = { count: 0 };
  return { asked, cancel: () => void asked.count++ };
}

describe('upload locks', () => {
  it('a holder is asked to let go when another instance wants the lock, and frees it on unlock', async () => {
    const first = holder();
    const lock = here.newLock('upload-1');
    await lock.lock(new AbortController().signal, first.cancel);
    const wanted = there.newLock('upload-1');
    const waiting = wanted.lock(new AbortController().signal, () => {});
    await expect.poll(() => first.asked.count).toBeGreaterThan(0);
    await lock.unlock();
    await waiting;
    await wanted.unlock();
    expect(await redis.keys('*upload-1*')).toEqual([]);
  });

  it('unlocking a lock whose key expired leaves the request that took it since in place', async () => {
    const [old, current] = [holder(), holder()];
    const stale = here.newLock('upload-2');
    await stale.lock(new AbortController().signal, old.cancel);
    // Its renewals failed and the key expired: another request here takes the lock.
    await redis.del((await redis.keys('*upload-2*:lock'))[0]!);
    const fresh = here.newLock('upload-2');
    await fresh.lock(new AbortController().signal, current.cancel);
    await stale.unlock();

    // The lock is still the fresh request's, and it still hears that another instance wants it.
    expect(await redis.keys('*upload-2*:lock')).toHaveLength(1);
    const wanted = there.newLock('upload-2');
    const waiting = wanted.lock(new AbortController().signal, () => {});
    await expect.poll(() => current.asked.count).toBeGreaterThan(0);
    expect(old.asked.count).toBe(0);
    await fresh.unlock();
    await waiting;
    await wanted.unlock();
  });
});
