import type { RedisClient } from '../../redis-client';
import type { Logger } from 'pino';
import type { AiFailureCode } from '../providers/provider-errors';
import { ListenerSets } from '../../realtime/listener-sets';

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

const LIVE_CHANNEL = 'chorus:ai';
const STOP_CHANNEL = 'chorus:ai:stop';
const START_CHANNEL = 'chorus:ai:start';
const logKey = (messageId: number) => `chorus:ai:log:${messageId}`;
const runKey = (messageId: number) => `chorus:ai:run:${messageId}`;
const stopKey = (messageId: number) => `chorus:ai:stop:${messageId}`;

/** KEYS: log. ARGV: entry, ttl ms, message id. Appends, keeps the log alive, publishes once. */
const APPEND = `
local seq = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', '${LIVE_CHANNEL}', ARGV[3] .. '\\n' .. seq .. '\\n' .. ARGV[1])
return seq
`;

/** KEYS: the send's claim. ARGV: answer id, start key. The claim (if still held) names the answer; then publishes. */
const ANNOUNCE_START = `
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL')
redis.call('PUBLISH', '${START_CHANNEL}', ARGV[2] .. '\\n' .. ARGV[1])
return 1
`;

export interface StartListener {
  onStart(messageId: number): void;
  /** Announcements may have been missed (the subscriber reconnected): check again. */
  onMaybeMissed(): void;
}

type LogRedis = RedisClient & {
  chorusAiAppend(key: string, entry: string, ttlMs: string, messageId: string): Promise<number>;
  chorusAiAnnounceStart(claimKey: string, messageId: string, startKey: string): Promise<number>;
};

/**
 * A generation's output as an ordered log in Redis (a list: its seq is the position), with
 * each append published once to every instance. Subscribers anywhere listen first, read the
 * list after their position, then take live entries, filling any gap from the list. Stop
 * requests travel the same way to whichever instance runs the generation.
 */
export class GenerationLog {
  private readonly listeners = new ListenerSets<number, GenerationListener>();
  private readonly startListeners = new ListenerSets<string, StartListener>();
  private readonly running = new Map<number, AbortController>();
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
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.debug({ err: error }, 'ai subscriber error'));
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber.on('ready', () => {
      for (const listener of this.listeners.everyListener()) listener.onMaybeMissed();
      for (const listener of this.startListeners.everyListener()) listener.onMaybeMissed();
    });
  }

  static async start(redis: RedisClient, logger: Logger, retentionMs: number): Promise<GenerationLog> {
    const log = new GenerationLog(redis, logger, retentionMs);
    await log.subscriber.subscribe(LIVE_CHANNEL, STOP_CHANNEL, START_CHANNEL);
    return log;
  }

  append(messageId: number, entry: GenerationEntry): Promise<number> {
    return this.redis.chorusAiAppend(logKey(messageId), JSON.stringify(entry), String(this.retentionMs), String(messageId));
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
    return this.listeners.listen(messageId, listener);
  }

  /** Tells every instance that the send known by `startKey` started answer `messageId` (see answerOfSend). */
  async announceStart(claimKey: string, startKey: string, messageId: number): Promise<void> {
    await this.redis.chorusAiAnnounceStart(claimKey, String(messageId), startKey);
  }

  onStart(startKey: string, listener: StartListener): () => void {
    return this.startListeners.listen(startKey, listener);
  }

  /** Marks a generation as running here: its heartbeat says a process is still working on it. */
  async markRunning(messageId: number, controller: AbortController, ttlMs: number): Promise<void> {
    this.running.set(messageId, controller);
    await this.redis.set(runKey(messageId), '1', 'PX', ttlMs);
  }

  async heartbeat(messageId: number, ttlMs: number): Promise<void> {
    await this.redis.set(runKey(messageId), '1', 'PX', ttlMs);
  }

  async markFinished(messageId: number): Promise<void> {
    this.running.delete(messageId);
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
    await this.redis.publish(STOP_CHANNEL, String(messageId));
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

  private stopLocal(messageId: number): void {
    this.running.get(messageId)?.abort('stopped');
  }

  private dispatch(channel: string, message: string): void {
    try {
      if (channel === STOP_CHANNEL) return this.stopLocal(Number(message));
      if (channel === START_CHANNEL) {
        const at = message.lastIndexOf('\n');
        const messageId = Number(message.slice(at + 1));
        for (const listener of this.startListeners.get(message.slice(0, at)) ?? []) listener.onStart(messageId);
        return;
      }
      const first = message.indexOf('\n');
      const listeners = this.listeners.get(Number(message.slice(0, first)));
      if (!listeners) return;
      const second = message.indexOf('\n', first + 1);
      const logged = { seq: Number(message.slice(first + 1, second)), entry: JSON.parse(message.slice(second + 1)) as GenerationEntry };
      for (const listener of listeners) listener.onEntry(logged);
    } catch (error) {
      this.logger.error({ err: error, channel }, 'undeliverable ai message');
    }
  }
}
