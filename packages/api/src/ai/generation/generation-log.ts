import type { RedisClient } from '../../redis-client';
import type { Logger } from 'pino';
import type { AiFailureCode } from '../providers/provider-errors';
import { generationTag } from '../../redis-keys';
import { ShardedListeners } from './sharded-listeners';
import { shardedSubscriberOf } from '../../redis-nodes';

/** What a generation writes to its log, in order; the list index + 1 is the entry's seq. */
export type GenerationEntry =
  | { t: 'delta'; text: string }
  | { t: 'done'; text: string; finishReason: string; usage: TokenUsage | null }
  | { t: 'error'; code: AiFailureCode; text: string };

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LoggedEntry {
  seq: number;
  entry: GenerationEntry;
}

export interface GenerationListener {
  onEntry(logged: LoggedEntry): void;
  /** Live entries may have been missed (the subscriber reconnected): re-read the log. */
  onMaybeMissed(): void;
}

// A generation's keys and channels share its tag: the append script publishes on a channel of
// the log's slot (sharded pub/sub), heard only by instances streaming that generation.
const logKey = (messageId: number) => `chorus:${generationTag(messageId)}:log`;
const runKey = (messageId: number) => `chorus:${generationTag(messageId)}:run`;
const stopKey = (messageId: number) => `chorus:${generationTag(messageId)}:stop`;
const liveChannel = (messageId: number) => `chorus:${generationTag(messageId)}:live`;
const stopChannel = (messageId: number) => `chorus:${generationTag(messageId)}:stop-request`;

/** KEYS: log. ARGV: entry, ttl ms, live channel. Appends, keeps the log alive, publishes once. */
const APPEND = `
local seq = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SPUBLISH', ARGV[3], seq .. '\\n' .. ARGV[1])
return seq
`;

/**
 * KEYS: the send's claim. ARGV: answer id, start channel (of the claim's tag). The claim (if
 * still held) names the answer; then publishes.
 */
const ANNOUNCE_START = `
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL')
redis.call('SPUBLISH', ARGV[2], ARGV[1])
return 1
`;

export interface StartListener {
  onStart(messageId: number): void;
  /** Announcements may have been missed (the subscriber reconnected): check again. */
  onMaybeMissed(): void;
}

type LogRedis = RedisClient & {
  chorusAiAppend(key: string, entry: string, ttlMs: string, channel: string): Promise<number>;
  chorusAiAnnounceStart(claimKey: string, messageId: string, startChannel: string): Promise<number>;
};

/**
 * A generation's output as an ordered log in Redis (a list: its seq is the position), with
 * each append published once on the generation's sharded channel. Subscribers anywhere listen
 * first, read the list after their position, then take live entries, filling any gap from the
 * list. Stop requests travel the same way to the instance running the generation, which
 * listens on its stop channel while it runs it.
 */
export class GenerationLog {
  private readonly listeners: ShardedListeners<GenerationListener>;
  private readonly startListeners: ShardedListeners<StartListener>;
  private readonly stopListeners: ShardedListeners<{ onMaybeMissed(): void }>;
  private readonly running = new Map<number, AbortController>();
  private readonly stopUnlisteners = new Map<number, () => void>();
  private readonly subscriber: RedisClient;
  private readonly redis: LogRedis;

  private constructor(
    redis: RedisClient,
    private readonly logger: Logger,
    private readonly retentionMs: number,
  ) {
    redis.defineCommand('chorusAiAppend', { numberOfKeys: 1, lua: APPEND });
    redis.defineCommand('chorusAiAnnounceStart', { numberOfKeys: 1, lua: ANNOUNCE_START });
    this.redis = redis as LogRedis;
    this.subscriber = shardedSubscriberOf(redis);
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'ai subscriber error'));
    this.listeners = new ShardedListeners(this.subscriber, logger);
    this.startListeners = new ShardedListeners(this.subscriber, logger);
    this.stopListeners = new ShardedListeners(this.subscriber, logger);
    this.subscriber.on('smessage', (channel: string, message: string) => this.dispatch(channel, message));
    // A single server's connection, or a cluster's sharded subscribers, came back.
    for (const event of ['ready', 'subscribersReady']) {
      this.subscriber.on(event, () => {
        this.listeners.remindAll();
        this.startListeners.remindAll();
        for (const messageId of this.running.keys()) this.checkStopKey(messageId);
      });
    }
  }

  static async start(redis: RedisClient, logger: Logger, retentionMs: number): Promise<GenerationLog> {
    return Promise.resolve(new GenerationLog(redis, logger, retentionMs));
  }

  append(messageId: number, entry: GenerationEntry): Promise<number> {
    return this.redis.chorusAiAppend(logKey(messageId), JSON.stringify(entry), String(this.retentionMs), liveChannel(messageId));
  }

  /**
   * Entries after `afterSeq`, in order, and the log's length; null when the log has expired or
   * was never written.
   */
  async read(messageId: number, afterSeq: number): Promise<{ length: number; entries: LoggedEntry[] } | null> {
    const [[, length], [, raw]] = (await this.redis.multi().llen(logKey(messageId)).lrange(logKey(messageId), afterSeq, -1).exec()) as [
      [null, number],
      [null, string[]],
    ];
    if (length === 0) return null;
    return { length, entries: raw.map((text, index) => ({ seq: afterSeq + index + 1, entry: JSON.parse(text) as GenerationEntry })) };
  }

  /** The text logged so far (the deltas joined): an answer still streaming, or one whose process died. */
  async textSoFar(messageId: number): Promise<string> {
    const entries = (await this.read(messageId, 0))?.entries ?? [];
    return entries.map(({ entry }) => (entry.t === 'delta' ? entry.text : '')).join('');
  }

  listen(messageId: number, listener: GenerationListener): () => void {
    return this.listeners.listen(liveChannel(messageId), listener);
  }

  /** Tells instances waiting on `startChannel` (a sharded channel of the claim's tag) that the send started answer `messageId` (see answerOfSend). */
  async announceStart(claimKey: string, startChannel: string, messageId: number): Promise<void> {
    await this.redis.chorusAiAnnounceStart(claimKey, String(messageId), startChannel);
  }

  onStart(startChannel: string, listener: StartListener): () => void {
    return this.startListeners.listen(startChannel, listener);
  }

  /** Marks a generation as running here: its heartbeat says a process is still working on it. */
  async markRunning(messageId: number, controller: AbortController, ttlMs: number): Promise<void> {
    this.running.set(messageId, controller);
    const unlisten = this.stopListeners.listen(stopChannel(messageId), {
      // Subscribed (or back): a stop asked before that is in the stop key.
      onMaybeMissed: () => this.checkStopKey(messageId),
    });
    this.stopUnlisteners.set(messageId, unlisten);
    await this.redis.set(runKey(messageId), '1', 'PX', ttlMs);
  }

  async heartbeat(messageId: number, ttlMs: number): Promise<void> {
    await this.redis.set(runKey(messageId), '1', 'PX', ttlMs);
  }

  async markFinished(messageId: number): Promise<void> {
    this.running.delete(messageId);
    this.stopUnlisteners.get(messageId)?.();
    this.stopUnlisteners.delete(messageId);
    await this.redis.del(runKey(messageId));
  }

  async isRunning(messageId: number): Promise<boolean> {
    return (await this.redis.exists(runKey(messageId))) === 1;
  }

  /**
   * Asks the instance running the generation (any instance) to stop it: at once through
   * pub/sub, and through a key its heartbeat checks, in case the message was missed.
   */
  async requestStop(messageId: number): Promise<void> {
    this.stopLocal(messageId);
    await this.redis.set(stopKey(messageId), '1', 'PX', 60_000);
    await this.redis.spublish(stopChannel(messageId), String(messageId));
  }

  async stopRequested(messageId: number): Promise<boolean> {
    return (await this.redis.exists(stopKey(messageId))) === 1;
  }

  /** Aborts every generation this process runs (shutdown). */
  abortAll(): void {
    for (const controller of this.running.values()) controller.abort('shutdown');
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }

  /**
   * Stops the generation if a stop was asked while its message could have been missed. Runs
   * on its own (a reconnect, a confirmed subscription): a failed read is logged, and the
   * heartbeat looks at the key again.
   */
  private checkStopKey(messageId: number): void {
    void this.stopRequested(messageId).then(
      (stop) => stop && this.stopLocal(messageId),
      (error: unknown) => this.logger.warn({ err: error, messageId }, 'ai stop check failed'),
    );
  }

  private stopLocal(messageId: number): void {
    this.running.get(messageId)?.abort('stopped');
  }

  private dispatch(channel: string, message: string): void {
    try {
      if (channel.endsWith(':stop-request')) return this.stopLocal(Number(message));
      if (channel.endsWith(':live')) {
        const listeners = this.listeners.get(channel);
        if (!listeners) return;
        const first = message.indexOf('\n');
        const logged = { seq: Number(message.slice(0, first)), entry: JSON.parse(message.slice(first + 1)) as GenerationEntry };
        for (const listener of listeners) listener.onEntry(logged);
        return;
      }
      for (const listener of this.startListeners.get(channel) ?? []) listener.onStart(Number(message));
    } catch (error) {
      this.logger.error({ err: error, channel }, 'undeliverable ai message');
    }
  }
}
