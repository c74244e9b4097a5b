import type { Logger } from 'pino';
import { ListenerSets } from '../../realtime/listener-sets';
import type { RedisClient } from '../../redis-client';

interface MaybeMissing {
  /** Messages may have been missed (not yet or no longer subscribed): check the state again. */
  onMaybeMissed(): void;
}

/**
 * Listeners by sharded channel (SSUBSCRIBE): the channel is subscribed while someone here
 * listens to it, so a message reaches only the node of its slot and the instances that asked.
 * The subscription is confirmed after `listen` returns; listeners are told to look again then,
 * and after every reconnect, since anything published before it went unheard.
 */
export class ShardedListeners<L extends MaybeMissing> {
  private readonly listeners = new ListenerSets<string, L>();

  constructor(
    private readonly subscriber: RedisClient,
    private readonly logger: Logger,
  ) {}

  listen(channel: string, listener: L): () => void {
    const first = !this.listeners.has(channel);
    const remove = this.listeners.listen(channel, listener);
    if (first) {
      this.subscriber.ssubscribe(channel).then(
        () => this.remind(channel),
        (error: unknown) => this.logger.debug({ err: error, channel }, 'ssubscribe failed'),
      );
    }
    return () => {
      remove();
      if (this.listeners.has(channel)) return;
      this.subscriber.sunsubscribe(channel).catch((error: unknown) => this.logger.debug({ err: error, channel }, 'sunsubscribe failed'));
    };
  }

  get(channel: string): Set<L> | undefined {
    return this.listeners.get(channel);
  }

  /** After a reconnect: every listener looks again. */
  remindAll(): void {
    for (const listener of this.listeners.everyListener()) listener.onMaybeMissed();
  }

  private remind(channel: string): void {
    for (const listener of this.listeners.get(channel) ?? []) listener.onMaybeMissed();
  }
}
