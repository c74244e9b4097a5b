import { randomBytes } from 'node:crypto';
import type { Span, Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import { timeDelivery } from '../metrics/delivery-timing';
import type { RedisClient } from '../redis-client';
import type { ChorusEvent } from './events';
import { parseSharedEvent } from '@chorus/transport';
import { ListenerSets } from './listener-sets';
import { getMany } from './slot-groups';
import { instanceChannel, userKeys } from './stream-keys';
import { compareStreamIds, decimalAt } from './stream-ids';
import { ROUTE_LEASE_MS, RouteLeases } from './route-leases';
import { startDeliverSpan } from '../tracing/event-spans';
import { shardedSubscriberOf } from '../redis-nodes';

/** A persisted event in one user's stream: its id there and the id of the entry before it. */
export interface Delivery {
  readonly id: string;
  readonly prev: string;
  readonly event: ChorusEvent;
}

export interface HubListener {
  /** A persisted event for this user, in the order received (its `prev` reveals anything missed). */
  onDelivery(delivery: Delivery): void;
  onEphemeral(event: ChorusEvent): void;
  /** Live messages may have been missed (Redis reconnected): compare with the stream. */
  onMaybeMissed(): void;
  /** Id of the last persisted event this listener has passed on. */
  position(): string;
}

/**
 * The instance's live deliveries. The instance has an id and one sharded channel; while it has
 * listeners of a user it holds a route in that user's keys (a lease, refreshed while they
 * listen), and publishers send each event to the instances routed for its recipients only
 * (user-streams.ts). A body is parsed once however many local receivers share it.
 *
 * A delivery names the user's previous entry, so a listener finds what it missed by comparing
 * it with its own position (event-stream.ts). After a reconnect every listener reads its
 * stream; a periodic check of the stream heads finds a lost final message.
 */
export class EventHub {
  readonly instanceId = randomBytes(6).toString('hex');
  /** Messages handed over in-process (`receive`), and reads of a stream by its listeners (event-stream.ts counts them). */
  readonly stats = { localHandOvers: 0, catchUpReads: 0 };
  private readonly listeners = new ListenerSets<number, HubListener>();
  private readonly subscriber: RedisClient;
  private readonly leases: RouteLeases;
  private readonly catchUpTimer: NodeJS.Timeout;
  private readonly leaseTimer: NodeJS.Timeout;
  /** Route registrations of local users, settled once Redis holds them. */
  private readonly routed = new Map<number, Promise<void>>();
  /** Each local user's stream head at the last catch-up check. */
  private headsBefore = new Map<number, string>();

  private constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    catchUpMs: number,
    private readonly tracer: Tracer | null,
    private readonly metrics: Metrics,
  ) {
    this.leases = new RouteLeases(redis, this.instanceId);
    // On a cluster, each sharded channel is subscribed on the node that holds its slot.
    this.subscriber = shardedSubscriberOf(redis);
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'event subscriber error'));
    this.subscriber.on('smessageBuffer', (_channel: Buffer, message: Buffer) => this.dispatch(message.toString()));
    // After a reconnect, whatever was published meanwhile never arrives (and Redis may have
    // lost the routes): register again and look in the streams.
    this.subscriber.on('ready', () => {
      void this.refreshRoutes();
      this.pokeAll();
    });
    this.catchUpTimer = setInterval(() => void this.pokeBehind(), catchUpMs).unref();
    this.leaseTimer = setInterval(() => void this.refreshRoutes(), ROUTE_LEASE_MS / 3).unref();
  }

  static async start(redis: RedisClient, logger: Logger, options: { catchUpMs?: number; tracer?: Tracer | null; metrics?: Metrics } = {}): Promise<EventHub> {
    const hub = new EventHub(redis, logger, options.catchUpMs ?? 10_000, options.tracer ?? null, options.metrics ?? noopMetrics);
    await hub.subscriber.ssubscribe(instanceChannel(hub.instanceId));
    return hub;
  }

  /**
   * Adds a listener; the promise settles once this instance's route for the user is in Redis,
   * so an event appended after that reaches the listener live, and one before it is in the stream.
   */
  async listen(userId: number, listener: HubListener): Promise<() => void> {
    const stop = this.listeners.listen(userId, listener);
    let routed = this.routed.get(userId);
    if (!routed) this.routed.set(userId, (routed = this.route(userId)));
    try {
      await routed;
    } catch (error) {
      this.unlisten(userId, stop);
      throw error;
    }
    return () => this.unlisten(userId, stop);
  }

  /** Users with a live subscriber on this instance. */
  localUserIds(): number[] {
    return [...this.listeners.keys()];
  }

  async close(): Promise<void> {
    clearInterval(this.catchUpTimer);
    clearInterval(this.leaseTimer);
    const users = this.localUserIds();
    await Promise.allSettled(users.map((user) => this.leases.remove(user)));
    this.subscriber.disconnect();
  }

  private unlisten(userId: number, stop: () => void): void {
    stop();
    if (this.listeners.has(userId)) return;
    this.routed.delete(userId);
    void this.leases.remove(userId).catch((error) => this.logger.debug({ err: error }, 'route removal failed'));
  }

  private route(userId: number): Promise<void> {
    return this.leases.renew(userId);
  }

  /** Renews the lease of every local user's route (a script call per Redis node and 500 users). */
  private async refreshRoutes(): Promise<void> {
    const failed = await this.leases.renewAll(this.localUserIds());
    if (failed > 0) this.logger.debug({ failed }, 'route refresh failed');
  }

  /** The periodic check: tells listeners still behind the heads seen at the previous check. */
  async pokeBehind(): Promise<void> {
    const users = this.localUserIds();
    const heads = new Map<number, string>();
    for (let start = 0; start < users.length; start += 500) {
      const chunk = users.slice(start, start + 500);
      try {
        const values = await getMany(
          this.redis,
          chunk.map((user) => userKeys(user).head),
        );
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

  /** A message for this instance's channel from a publisher in this process (UserStreams.local): handled as if Redis had brought it. */
  receive(message: string): void {
    this.stats.localHandOvers++;
    this.dispatch(message);
  }

  private dispatch(message: string): void {
    try {
      if (message.startsWith('~\n')) this.dispatchEphemeral(message.slice(2));
      else this.dispatchDelivery(message);
    } catch (error) {
      this.logger.error({ err: error }, 'undeliverable event message');
    }
  }

  /**
   * `eventId[ traceparent] \n user:prev[:id],… \n body`: the local recipients share the parsed
   * event. A traced event is handed over inside an "event deliver" span of its trace.
   */
  private dispatchDelivery(message: string): void {
    const first = message.indexOf('\n');
    const second = message.indexOf('\n', first + 1);
    if (first < 0 || second < 0) throw new Error('malformed event message');
    const space = message.indexOf(' ');
    const traced = space >= 0 && space < first;
    const eventId = message.slice(0, traced ? space : first);
    let event: ChorusEvent | undefined;
    let span: Span | undefined;
    try {
      for (let start = first + 1; start < second;) {
        let end = message.indexOf(',', start);
        if (end < 0 || end > second) end = second;
        const colon = message.indexOf(':', start);
        const token = start;
        start = end + 1;
        if (colon < 0 || colon > end) continue;
        const listeners = this.listeners.get(decimalAt(message, token, colon));
        if (!listeners) continue;
        if (!event) {
          event = parseSharedEvent<ChorusEvent>(message.slice(second + 1));
          if (this.tracer && traced) span = startDeliverSpan(this.tracer, message.slice(space + 1, first), event.type);
        }
        const own = message.indexOf(':', colon + 1);
        const hasOwn = own >= 0 && own < end;
        const delivery: Delivery = { id: hasOwn ? message.slice(own + 1, end) : eventId, prev: message.slice(colon + 1, hasOwn ? own : end), event };
        for (const listener of listeners) this.handOver(delivery.event, () => listener.onDelivery(delivery));
      }
    } finally {
      span?.end();
    }
    if (event) timeDelivery(this.metrics, event);
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
