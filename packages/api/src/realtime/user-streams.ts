import type { Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import superjson from 'superjson';
import { stringify } from '@chorus/transport';
import type { Delivery } from './event-hub';
import { EPHEMERAL_CHANNEL } from './event-hub';
import type { ChorusEvent } from './events';
import { PUBLISH_CONVERSATION_EVENT, PUBLISH_USER_EVENT } from './stream-scripts';
import { withPublishSpan } from '../tracing/event-spans';

type ScriptRedis = Redis & {
  chorusPublishConversation(...args: string[]): Promise<[number, number]>;
  chorusPublishUser(...args: string[]): Promise<number>;
};

export type ConversationPublishResult = 'published' | 'duplicate' | 'gap' | 'needs_seed';

export interface ConversationPublish {
  conversationId: number;
  seq: number;
  event: ChorusEvent;
  add?: number[];
  remove?: number[];
  /** The conversation's audience, from the database, when Redis does not know it. */
  seed?: number[];
  /** Publish even after a gap (the earlier events were pruned from the database). */
  force?: boolean;
}

/** Redis side of the per-user event streams (see stream-scripts.ts for the layout). */
export class UserStreams {
  private readonly redis: ScriptRedis;

  constructor(
    redis: Redis,
    readonly retentionMs: number,
    private readonly tracer: Tracer | null = null,
  ) {
    redis.defineCommand('chorusPublishConversation', { numberOfKeys: 0, lua: PUBLISH_CONVERSATION_EVENT });
    redis.defineCommand('chorusPublishUser', { numberOfKeys: 0, lua: PUBLISH_USER_EVENT });
    this.redis = redis as ScriptRedis;
  }

  async publishConversationEvent(input: ConversationPublish): Promise<{ result: ConversationPublishResult; lastPublished: number }> {
    // A traced call's event carries its publish span's traceparent (the script's last argument).
    const [status, value] = await withPublishSpan(this.tracer, input.event.type, (traceparent) =>
      this.redis.chorusPublishConversation(
        String(input.conversationId),
        String(input.seq),
        stringify(input.event),
        String(this.retentionMs),
        (input.add ?? []).join(','),
        (input.remove ?? []).join(','),
        input.seed ? input.seed.join(',') : '-',
        input.force ? '1' : '0',
        ...(traceparent ? [traceparent] : []),
      ),
    );
    const result = status === 1 ? 'published' : status === 0 ? 'duplicate' : status === -1 ? 'gap' : 'needs_seed';
    return { result, lastPublished: status === 1 ? input.seq : value };
  }

  /** A replayable event for users, published once per `dedupeKey` however often it is retried. */
  async publishUserEvent(userIds: number[], dedupeKey: string, event: ChorusEvent): Promise<void> {
    if (userIds.length === 0) return;
    await withPublishSpan(this.tracer, event.type, (traceparent) =>
      this.redis.chorusPublishUser(
        dedupeKey,
        stringify(event),
        String(this.retentionMs),
        [...new Set(userIds)].join(','),
        ...(traceparent ? [traceparent] : []),
      ),
    );
  }

  /** A live-only event (typing, presence) for whichever of `userIds` are connected. */
  async publishEphemeral(userIds: number[], event: ChorusEvent): Promise<void> {
    if (userIds.length === 0) return;
    await this.redis.publish(EPHEMERAL_CHANNEL, `${[...new Set(userIds)].join(',')}\n${stringify(event)}`);
  }

  /** Id of the user's newest event, or null when the user has none (or Redis lost them). */
  async head(userId: number): Promise<string | null> {
    return this.redis.hget('chorus:ulast', String(userId));
  }

  /**
   * Events after `afterId`, oldest first, up to `count`. `continuous` is false when the first
   * event does not follow `afterId` (it was trimmed, or `afterId` is not a position we gave).
   */
  async readAfter(userId: number, afterId: string, count = 500): Promise<{ deliveries: Delivery[]; continuous: boolean }> {
    const entries = await this.redis.xrange(`chorus:us:${userId}`, `(${afterId}`, '+', 'COUNT', count);
    if (entries.length === 0) return { deliveries: [], continuous: true };
    const bodies = await this.redis.mget(entries.map(([, fields]) => `chorus:eb:${field(fields, 'e')}`));
    const deliveries: Delivery[] = [];
    for (const [index, [id]] of entries.entries()) {
      const body = bodies[index];
      // A body outlived by its entry: the event is past retention.
      if (!body) return { deliveries, continuous: false };
      deliveries.push({ id, event: superjson.parse<ChorusEvent>(body) });
    }
    // Each entry names the user's entry before it: the first must follow `afterId`.
    return { deliveries, continuous: field(entries[0]![1], 'p') === afterId };
  }
}

function field(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  return index >= 0 && index % 2 === 0 ? (fields[index + 1] ?? '') : '';
}
