import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import { uploadTag } from '../redis-keys';
import { shardedSubscriberOf } from '../redis-nodes';

// The lock and its release channel share the upload's tag: the request to let go is a sharded
// message (SPUBLISH) that reaches only the node of that slot and the instance holding the lock.
const lockKey = (id: string) => `chorus:${uploadTag(id)}:lock`;
const releaseChannel = (id: string) => `chorus:${uploadTag(id)}:lock-release`;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

export interface UploadLockerOptions {
  /** A holder that died frees its lock after this; live holders renew it. */
  ttlMs: number;
  /** Waiting longer for a lock fails the request (500, the client retries). */
  acquireTimeoutMs: number;
  pollMs: number;
}

/**
 * tus's lock per upload, across instances: a Redis key (SET NX, renewed while held). A request
 * that wants a held lock asks its holder, on whatever instance, to let go (pub/sub), as tus's
 * MemoryLocker does in one process: the old request of a client that reconnected elsewhere is
 * cancelled after tus's drain delay, instead of writing alongside the new one. A holder listens
 * on its upload's channel only while it holds the lock; a request sent before that is repeated
 * while the requester polls.
 */
export class UploadLocker implements Locker {
  readonly held = new Map<string, RequestRelease>();

  private constructor(
    readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    readonly options: UploadLockerOptions,
  ) {}

  static async start(redis: RedisClient, logger: Logger, options: Partial<UploadLockerOptions> = {}): Promise<UploadLocker> {
    const subscriber = shardedSubscriberOf(redis);
    subscriber.on('error', (error) => logger.debug({ err: error }, 'upload lock subscriber error'));
    const locker = new UploadLocker(redis, subscriber, { ttlMs: 30_000, acquireTimeoutMs: 30_000, pollMs: 50, ...options });
    subscriber.on('smessage', (_channel: string, id: string) => void locker.held.get(id)?.());
    return locker;
  }

  newLock(id: string): Lock {
    return new UploadLock(this, id);
  }

  requestRelease(id: string): Promise<number> {
    return this.redis.spublish(releaseChannel(id), id) as Promise<number>;
  }

  /** Hears release requests for `id` while its lock is held here. */
  async listen(id: string): Promise<void> {
    await this.subscriber.ssubscribe(releaseChannel(id));
  }

  async unlisten(id: string): Promise<void> {
    await this.subscriber.sunsubscribe(releaseChannel(id));
  }

  close(): void {
    this.subscriber.disconnect();
  }
}

class UploadLock implements Lock {
  private readonly token = randomUUID();
  private readonly key: string;
  private renewal: NodeJS.Timeout | null = null;
  private cancelReq: RequestRelease | null = null;

  constructor(
    private readonly locker: UploadLocker,
    private readonly id: string,
  ) {
    this.key = lockKey(id);
  }

  async lock(signal: AbortSignal, cancelReq: RequestRelease): Promise<void> {
    const { redis, options } = this.locker;
    const deadline = Date.now() + options.acquireTimeoutMs;
    let asked = false;
    for (;;) {
      if ((await redis.set(this.key, this.token, 'PX', options.ttlMs, 'NX')) === 'OK') break;
      if (!asked || Math.random() < 0.1) await this.locker.requestRelease(this.id);
      asked = true;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a tus locker throws tus's own ERRORS constant, as its MemoryLocker does
      if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(options.pollMs);
    }
    this.cancelReq = cancelReq;
    this.locker.held.set(this.id, cancelReq);
    await this.locker.listen(this.id).catch(() => {});
    this.renewal = setInterval(() => void redis.eval(RENEW, 1, this.key, this.token, options.ttlMs).catch(() => {}), options.ttlMs / 3);
    this.renewal.unref();
  }

  async unlock(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    // A lock whose key expired (its renewals failed) may have been taken by another request
    // here since: the release listener is then that lock's, and stays.
    const listening = this.cancelReq !== null && this.locker.held.get(this.id) === this.cancelReq;
    if (listening) this.locker.held.delete(this.id);
    await Promise.all([this.locker.redis.eval(RELEASE, 1, this.key, this.token), listening ? this.locker.unlisten(this.id).catch(() => {}) : null]);
    this.cancelReq = null;
  }
}
