import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stringify } from '@chorus/transport';
import type { RoomEvent, RoomEventEnvelope } from './events';
import { parseSharedEvent } from '@chorus/transport';
import { timeDelivery } from '../metrics/delivery-timing';
import type { Metrics } from '../metrics/metrics';
import { noopMetrics } from '../metrics/noop-metrics';
import { ListenerSets } from './listener-sets';

export const ROOM_CHANNEL = 'chorus:room';
export const ROOM_EPHEMERAL_CHANNEL = 'chorus:room-eph';
/** Hash room id -> highest seq published: how a listener learns it missed a final message. */
const HEADS = 'chorus:rlast';

/** ARGV: room, seq, message. Raises the room's head and publishes. */
const PUBLISH = `
local head = tonumber(redis.call('HGET', '${HEADS}', ARGV[1]) or '0')
if tonumber(ARGV[2]) > head then redis.call('HSET', '${HEADS}', ARGV[1], ARGV[2]) end
redis.call('PUBLISH', '${ROOM_CHANNEL}', ARGV[3])
return 1
`;

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

type HubRedis = Redis & { chorusRoomPublish(room: string, seq: string, message: string): Promise<number> };

/**
 * Live delivery of room events. A room's log lives in the database (its conversation's
 * events); this carries each event once to every instance, whose listeners fill any gap from
 * the log. One Redis subscription per instance; a body is parsed once per instance.
 */
export class RoomHub {
  private readonly listeners = new ListenerSets<number, RoomListener>();
  private readonly subscriber: Redis;
  private readonly redis: HubRedis;
  private readonly catchUpTimer: NodeJS.Timeout;
  /** Each listened room's head at the last catch-up check. */
  private headsBefore = new Map<number, number>();

  private constructor(
    redis: Redis,
    private readonly logger: Logger,
    catchUpMs: number,
    private readonly metrics: Metrics,
  ) {
    redis.defineCommand('chorusRoomPublish', { numberOfKeys: 0, lua: PUBLISH });
    this.redis = redis as HubRedis;
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'room subscriber error'));
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message.toString()));
    this.subscriber.on('ready', () => this.pokeAll());
    this.catchUpTimer = setInterval(() => void this.pokeBehind(), catchUpMs).unref();
  }

  static async start(redis: Redis, logger: Logger, options: { catchUpMs?: number; metrics?: Metrics } = {}): Promise<RoomHub> {
    const hub = new RoomHub(redis, logger, options.catchUpMs ?? 5000, options.metrics ?? noopMetrics);
    await hub.subscriber.subscribe(ROOM_CHANNEL, ROOM_EPHEMERAL_CHANNEL);
    return hub;
  }

  /** Sends a committed event of a room's log to every instance. */
  async publish(roomId: number, seq: number, event: RoomEventEnvelope): Promise<void> {
    await this.redis.chorusRoomPublish(String(roomId), String(seq), `${roomId}\n${seq}\n${stringify(event)}`);
  }

  /** A live-only event for the room's current subscribers. */
  async publishEphemeral(roomId: number, event: RoomEvent): Promise<void> {
    await this.redis.publish(ROOM_EPHEMERAL_CHANNEL, `${roomId}\n${stringify(event)}`);
  }

  listen(roomId: number, listener: RoomListener): () => void {
    return this.listeners.listen(roomId, listener);
  }

  async close(): Promise<void> {
    clearInterval(this.catchUpTimer);
    this.subscriber.disconnect();
  }

  /** The periodic check: tells listeners still behind the heads seen at the previous check. */
  async pokeBehind(): Promise<void> {
    const roomIds = [...this.listeners.keys()];
    const heads = new Map<number, number>();
    for (let start = 0; start < roomIds.length; start += 500) {
      const chunk = roomIds.slice(start, start + 500);
      try {
        const values = await this.redis.hmget(HEADS, ...chunk.map(String));
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
      if (channel === ROOM_CHANNEL) {
        const second = message.indexOf('\n', first + 1);
        const delivery = { seq: Number(message.slice(first + 1, second)), event: parseSharedEvent<RoomEventEnvelope>(message.slice(second + 1)) };
        for (const listener of listeners) this.handOver(channel, () => listener.onDelivery(delivery));
        timeDelivery(this.metrics, delivery.event);
      } else if (channel === ROOM_EPHEMERAL_CHANNEL) {
        const event = parseSharedEvent<RoomEvent>(message.slice(first + 1));
        for (const listener of listeners) this.handOver(channel, () => listener.onEphemeral(event));
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
