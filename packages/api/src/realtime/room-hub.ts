import type { Logger } from 'pino';
import { stringify } from '@chorus/transport';
import type { RoomEvent, RoomEventEnvelope } from './events';
import { parseSharedEvent } from '@chorus/transport';
import { timeDelivery } from '../metrics/delivery-timing';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import type { RedisClient } from '../redis-client';
import { ListenerSets } from './listener-sets';
import { getMany } from './slot-groups';
import { roomKeys } from './stream-keys';
import { RAISE_ROOM_HEAD } from './stream-scripts';
import { shardedSubscriberOf } from '../redis-nodes';

export interface RoomDelivery {
  seq: number;
  event: RoomEventEnvelope;
}

export interface RoomListener {
  onDelivery(delivery: RoomDelivery): void;
  onEphemeral(event: RoomEvent): void;
  /** Live messages may have been missed: compare with the log. */
  onMaybeMissed(): void;
  /** Seq of the last event this listener has passed on. */
  position(): number;
}

type HubRedis = RedisClient & { chorusRaiseRoomHead(head: string, seq: number): Promise<number> };

/**
 * Live delivery of room events. A room's log lives in the database (its conversation's
 * events); each room has sharded channels of its own (`chorus:{r<id>}:ev`, `:eph`), which an
 * instance subscribes to while it has listeners of the room, so an event reaches only the
 * instances serving that room. Listeners fill any gap from the log; the room's head (the
 * highest seq published, in the room's slot) reveals a lost final message. A body is parsed
 * once per instance.
 */
export class RoomHub {
  private readonly listeners = new ListenerSets<number, RoomListener>();
  private readonly subscriber: RedisClient;
  private readonly redis: HubRedis;
  private readonly catchUpTimer: NodeJS.Timeout;
  /** Subscriptions of listened rooms, settled once Redis confirmed them. */
  private readonly subscribed = new Map<number, Promise<unknown>>();
  /** Each listened room's head at the last catch-up check. */
  private headsBefore = new Map<number, number>();
  private connected = false;

  private constructor(
    redis: RedisClient,
    private readonly logger: Logger,
    catchUpMs: number,
    private readonly metrics: Metrics,
  ) {
    redis.defineCommand('chorusRaiseRoomHead', { numberOfKeys: 1, lua: RAISE_ROOM_HEAD });
    this.redis = redis as HubRedis;
    this.subscriber = shardedSubscriberOf(redis);
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'room subscriber error'));
    this.subscriber.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message.toString()));
    // A reconnect (not the first connection) may have lost messages.
    this.subscriber.on('ready', () => {
      if (this.connected) this.pokeAll();
      this.connected = true;
    });
    this.catchUpTimer = setInterval(() => void this.pokeBehind(), catchUpMs).unref();
  }

  static async start(redis: RedisClient, logger: Logger, options: { catchUpMs?: number; metrics?: Metrics } = {}): Promise<RoomHub> {
    const hub = new RoomHub(redis, logger, options.catchUpMs ?? 5000, options.metrics ?? noopMetrics);
    if (hub.subscriber.status !== 'ready') await new Promise((resolve) => hub.subscriber.once('ready', resolve));
    return hub;
  }

  /** Sends a committed event of a room's log to the instances listening to the room. */
  async publish(roomId: number, seq: number, event: RoomEventEnvelope): Promise<void> {
    const keys = roomKeys(roomId);
    // Same slot, same connection: the head is raised before the message goes out.
    await Promise.all([this.redis.chorusRaiseRoomHead(keys.head, seq), this.redis.spublish(keys.channel, `${roomId}\n${seq}\n${stringify(event)}`)]);
  }

  /** A live-only event for the room's current subscribers. */
  async publishEphemeral(roomId: number, event: RoomEvent): Promise<void> {
    await this.redis.spublish(roomKeys(roomId).ephemeral, `${roomId}\n${stringify(event)}`);
  }

  /** Adds a listener; settles once this instance is subscribed to the room's channels. */
  async listen(roomId: number, listener: RoomListener): Promise<() => void> {
    const stop = this.listeners.listen(roomId, listener);
    let subscribed = this.subscribed.get(roomId);
    if (!subscribed) {
      const { channel, ephemeral } = roomKeys(roomId);
      this.subscribed.set(roomId, (subscribed = this.subscriber.ssubscribe(channel, ephemeral)));
    }
    try {
      await subscribed;
    } catch (error) {
      this.unlisten(roomId, stop);
      throw error;
    }
    return () => this.unlisten(roomId, stop);
  }

  async close(): Promise<void> {
    clearInterval(this.catchUpTimer);
    this.subscriber.disconnect();
  }

  private unlisten(roomId: number, stop: () => void): void {
    stop();
    if (this.listeners.has(roomId)) return;
    this.subscribed.delete(roomId);
    const { channel, ephemeral } = roomKeys(roomId);
    void this.subscriber.sunsubscribe(channel, ephemeral).catch((error: unknown) => this.logger.debug({ err: error }, 'room unsubscribe failed'));
  }

  /** The periodic check: tells listeners still behind the heads seen at the previous check. */
  async pokeBehind(): Promise<void> {
    const roomIds = [...this.listeners.keys()];
    const heads = new Map<number, number>();
    for (let start = 0; start < roomIds.length; start += 500) {
      const chunk = roomIds.slice(start, start + 500);
      try {
        const values = await getMany(
          this.redis,
          chunk.map((roomId) => roomKeys(roomId).head),
        );
        chunk.forEach((roomId, index) => {
          heads.set(roomId, Number(values[index] ?? 0));
          // Behind what the room's log held a whole period ago: an event in flight now is no sign of loss.
          const before = this.headsBefore.get(roomId) ?? 0;
          for (const listener of this.listeners.get(roomId) ?? []) if (listener.position() < before) listener.onMaybeMissed();
        });
      } catch (error) {
        this.logger.debug({ err: error }, 'room catch-up check failed');
      }
    }
    this.headsBefore = heads;
  }

  private pokeAll(): void {
    for (const listener of this.listeners.everyListener()) listener.onMaybeMissed();
  }

  private dispatch(channel: string, message: string): void {
    try {
      const first = message.indexOf('\n');
      const listeners = this.listeners.get(Number(message.slice(0, first)));
      if (!listeners) return;
      if (channel.endsWith(':eph')) {
        const event = parseSharedEvent<RoomEvent>(message.slice(first + 1));
        for (const listener of listeners) this.handOver(channel, () => listener.onEphemeral(event));
      } else {
        const second = message.indexOf('\n', first + 1);
        const delivery = { seq: Number(message.slice(first + 1, second)), event: parseSharedEvent<RoomEventEnvelope>(message.slice(second + 1)) };
        for (const listener of listeners) this.handOver(channel, () => listener.onDelivery(delivery));
        timeDelivery(this.metrics, delivery.event);
      }
    } catch (error) {
      this.logger.error({ err: error, channel }, 'undeliverable room message');
    }
  }

  /** One listener's failure is its own: it is logged, and the room's other listeners still get the message. */
  private handOver(channel: string, deliver: () => void): void {
    try {
      deliver();
    } catch (error) {
      this.logger.error({ err: error, channel }, 'room listener failed');
    }
  }
}
