import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChorusEvent } from './events';
import { parseSharedEvent } from './shared-frames';
import { ListenerSets } from './listener-sets';
import { compareStreamIds } from './stream-ids';

export const EVENTS_CHANNEL = 'chorus:ev';
export const EPHEMERAL_CHANNEL = 'chorus:eph';

/** A persisted event as it reaches one user: its id in that user's stream and the one before. */
export interface Delivery {
  id: string;
  prev: string;
  event: ChorusEvent;
}

export interface HubListener {
  /** A persisted event for this user, in stream order (or a gap, which `prev` reveals). */
  onDelivery(delivery: Delivery): void;
  onEphemeral(event: ChorusEvent): void;
  /** Live messages may have been missed (Redis reconnected): compare with the stream. */
  onMaybeMissed(): void;
  /** Id of the last persisted event this listener has passed on. */
  position(): string;
}

/**
 * The instance's one Redis subscription for user events. Every instance receives every
 * delivery and hands it to its local listeners; a body is parsed once however many local
 * receivers share it.
 */
export class EventHub {
  private readonly listeners = new ListenerSets<number, HubListener>();
  private readonly subscriber: Redis;
  private readonly catchUpTimer: NodeJS.Timeout;
  /** Each local user's stream head at the last catch-up check. */
  private headsBefore = new Map<number, string>();

  private constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    catchUpMs: number,
  ) {
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'event subscriber error'));
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message.toString()));
    // After a reconnect, whatever was published meanwhile never arrives: look in the streams.
    this.subscriber.on('ready', () => this.pokeAll());
    // A last resort against a lost final message that no later message would reveal.
    this.catchUpTimer = setInterval(() => void this.pokeBehind(), catchUpMs).unref();
  }

  static async start(redis: Redis, logger: Logger, options: { catchUpMs?: number } = {}): Promise<EventHub> {
    const hub = new EventHub(redis, logger, options.catchUpMs ?? 10_000);
    await hub.subscriber.subscribe(EVENTS_CHANNEL, EPHEMERAL_CHANNEL);
    return hub;
  }

  listen(userId: number, listener: HubListener): () => void {
    return this.listeners.listen(userId, listener);
  }

  /** Users with a live subscriber on this instance. */
  localUserIds(): number[] {
    return [...this.listeners.keys()];
  }

  async close(): Promise<void> {
    clearInterval(this.catchUpTimer);
    this.subscriber.disconnect();
  }

  /**
   * Pokes only listeners whose stream head moved past their position: one pipelined HMGET per
   * 500 users instead of every subscriber reading its stream at the same moment.
   */
  /** The periodic check: tells listeners still behind the heads seen at the previous check. */
  async pokeBehind(): Promise<void> {
    const users = this.localUserIds();
    const heads = new Map<number, string>();
    for (let start = 0; start < users.length; start += 500) {
      const chunk = users.slice(start, start + 500);
      try {
        const values = await this.redis.hmget('chorus:ulast', ...chunk.map(String));
        chunk.forEach((userId, index) => {
          const head = values[index];
          if (head) heads.set(userId, head);
          // Behind what the stream held a whole period ago: an event in flight now is no sign of loss.
          const before = this.headsBefore.get(userId);
          if (!before) return;
          for (const listener of this.listeners.get(userId) ?? []) if (compareStreamIds(listener.position(), before) < 0) listener.onMaybeMissed();
        });
      } catch (error) {
        this.logger.debug({ err: error }, 'catch-up check failed');
      }
    }
    this.headsBefore = heads;
  }


  private pokeAll(): void {
    for (const listener of this.listeners.everyListener()) listener.onMaybeMissed();
  }

  private dispatch(channel: string, message: string): void {
    try {
      if (channel === EVENTS_CHANNEL) this.dispatchDelivery(message);
      else if (channel === EPHEMERAL_CHANNEL) this.dispatchEphemeral(message);
    } catch (error) {
      this.logger.error({ err: error, channel }, 'undeliverable event message');
    }
  }

  /** `key \n user|id|prev,user|id|prev,… \n body`: each local recipient gets its own ids. */
  private dispatchDelivery(message: string): void {
    const first = message.indexOf('\n');
    const second = message.indexOf('\n', first + 1);
    let event: ChorusEvent | undefined;
    for (const recipient of message.slice(first + 1, second).split(',')) {
      const [user, id, prev] = recipient.split('|');
      const listeners = this.listeners.get(Number(user));
      if (!listeners || !id || !prev) continue;
      event ??= parseSharedEvent<ChorusEvent>(message.slice(second + 1));
      for (const listener of listeners) listener.onDelivery({ id, prev, event });
    }
  }

  /** `recipients csv \n body`. */
  private dispatchEphemeral(message: string): void {
    const newline = message.indexOf('\n');
    let event: ChorusEvent | undefined;
    for (const user of message.slice(0, newline).split(',')) {
      const listeners = this.listeners.get(Number(user));
      if (!listeners) continue;
      event ??= parseSharedEvent<ChorusEvent>(message.slice(newline + 1));
      for (const listener of listeners) listener.onEphemeral(event);
    }
  }
}
