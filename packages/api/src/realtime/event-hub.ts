import type { Span, Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import { timeDelivery } from '../metrics/delivery-timing';
import type { ChorusEvent } from './events';
import { parseSharedEvent } from '@chorus/transport';
import { ListenerSets } from './listener-sets';
import { compareStreamIds, decimalAt } from './stream-ids';
import { startDeliverSpan } from '../tracing/event-spans';

export const EVENTS_CHANNEL = 'chorus:ev';
export const EPHEMERAL_CHANNEL = 'chorus:eph';

/** A persisted event: its id, the same in every recipient's stream. Shared by its recipients. */
export interface Delivery {
  readonly id: string;
  readonly event: ChorusEvent;
}

export interface HubListener {
  /** A persisted event for this user, in stream order; anything missed before it is announced by onMaybeMissed first. */
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
 *
 * Each message names the event published before it (stream-scripts.ts). Redis delivers a
 * subscription's messages in order and loses them only with the connection, so a message whose
 * predecessor is not the last one received means messages went missing (a reconnect), and
 * every listener reads its stream. On a reconnect they all do anyway.
 */
export class EventHub {
  private readonly listeners = new ListenerSets<number, HubListener>();
  private readonly subscriber: Redis;
  private readonly catchUpTimer: NodeJS.Timeout;
  /** Each local user's stream head at the last catch-up check. */
  private headsBefore = new Map<number, string>();
  /** Id of the last event received; null until the first one after (re)subscribing. */
  private lastReceived: string | null = null;

  private constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    catchUpMs: number,
    private readonly tracer: Tracer | null,
    private readonly metrics: Metrics,
  ) {
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'event subscriber error'));
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message.toString()));
    // After a reconnect, whatever was published meanwhile never arrives: look in the streams.
    this.subscriber.on('ready', () => {
      this.lastReceived = null;
      this.pokeAll();
    });
    // A last resort against a lost final message that no later message would reveal.
    this.catchUpTimer = setInterval(() => void this.pokeBehind(), catchUpMs).unref();
  }

  static async start(redis: Redis, logger: Logger, options: { catchUpMs?: number; tracer?: Tracer | null; metrics?: Metrics } = {}): Promise<EventHub> {
    const hub = new EventHub(redis, logger, options.catchUpMs ?? 10_000, options.tracer ?? null, options.metrics ?? noopMetrics);
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

  /**
   * `id prevId[ traceparent] \n user,user,… \n body`: one delivery, shared by the local
   * recipients. A traced event is handed over inside an "event deliver" span of its trace.
   */
  private dispatchDelivery(message: string): void {
    const space = message.indexOf(' ');
    const first = message.indexOf('\n');
    const second = message.indexOf('\n', first + 1);
    if (space < 0 || space > first || second < 0) throw new Error('malformed event message');
    // A third word on the first line is the publishing call's traceparent.
    const traced = message.lastIndexOf(' ', first);
    const id = message.slice(0, space);
    const previous = message.slice(space + 1, traced > space ? traced : first);
    if (this.lastReceived !== null && previous !== this.lastReceived) this.pokeAll();
    this.lastReceived = id;
    let delivery: Delivery | undefined;
    let span: Span | undefined;
    try {
      // The recipients are read in place: a group's list is a thousand ids per message.
      for (let start = first + 1; start < second;) {
        let end = message.indexOf(',', start);
        if (end < 0 || end > second) end = second;
        const listeners = this.listeners.get(decimalAt(message, start, end));
        start = end + 1;
        if (!listeners) continue;
        if (!delivery) {
          delivery = { id, event: parseSharedEvent<ChorusEvent>(message.slice(second + 1)) };
          if (this.tracer && traced > space) span = startDeliverSpan(this.tracer, message.slice(traced + 1, first), delivery.event.type);
        }
        const shared = delivery;
        for (const listener of listeners) this.handOver(shared.event, () => listener.onDelivery(shared));
      }
    } finally {
      span?.end();
    }
    if (delivery) timeDelivery(this.metrics, delivery.event);
  }

  /** One listener's failure is its own: it is logged, and the other listeners still get the event. */
  private handOver(event: ChorusEvent, deliver: () => void): void {
    try {
      deliver();
    } catch (error) {
      this.logger.error({ err: error, type: event.type }, 'event listener failed');
    }
  }

  /** `recipients csv \n body`. */
  private dispatchEphemeral(message: string): void {
    const newline = message.indexOf('\n');
    let event: ChorusEvent | undefined;
    for (const user of message.slice(0, newline).split(',')) {
      const listeners = this.listeners.get(Number(user));
      if (!listeners) continue;
      const shared = (event ??= parseSharedEvent<ChorusEvent>(message.slice(newline + 1)));
      for (const listener of listeners) this.handOver(shared, () => listener.onEphemeral(shared));
    }
  }
}
