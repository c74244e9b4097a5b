import type { Db } from '@chorus/db';
import type { Tracer } from '@opentelemetry/api';
import superjson from 'superjson';
import { stringify } from '@chorus/transport';
import type { RedisClient } from '../redis-client';
import type { Delivery } from './event-hub';
import { ArchiveReader, conversationRef, entryField } from './archive-reader';
import type { ChorusEvent } from './events';
import { getMany } from './slot-groups';
import { StreamAppender, type Appended } from './stream-append';
import { conversationKeys, instanceChannel, userEventKey, userKeys } from './stream-keys';
import { CONVERSATION_STEP, USER_EVENT_STEP } from './stream-scripts';
import { withPublishSpan } from '../tracing/event-spans';

type ScriptRedis = RedisClient & {
  chorusConversationStep(...args: (string | number)[]): Promise<[number, number, string?, string?]>;
  chorusUserEventStep(...args: (string | number)[]): Promise<string | null>;
};

/** The stream archive (docs/realtime.md, "Stream archive"): without it, everything stays in Redis for the whole retention. */
export interface StreamArchiveOptions {
  /** Where the archived entries (and conversation events) are read: the primary. */
  db: Db;
  /** How long entries stay in Redis before the archiver moves them to the database. */
  windowMs: number;
}

/** Readings of the stream after a position in Redis alone. */
type RedisRead = { status: 'empty' } | { status: 'detached' } | { status: 'read'; deliveries: Delivery[]; complete: boolean };

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

/** What UserStreams needs of this instance's EventHub to hand it the copies for its own listeners. */
export interface LocalHub {
  readonly instanceId: string;
  /** A message of the instance's channel, received in-process. */
  receive(message: string): void;
}

/**
 * Redis side of the per-user event streams (stream-scripts.ts describes the layout). A
 * published event is appended to its recipients' streams, and its live copy goes only to the
 * instances with a listener of a recipient (their routes, read by the append): one SPUBLISH
 * per instance on its own sharded channel, naming that instance's recipients and carrying the
 * body once.
 */
export class UserStreams {
  private readonly redis: ScriptRedis;
  private readonly appender: StreamAppender;
  private readonly archive: ArchiveReader | null;
  /** How long a conversation event's body stays in Redis (its archived entries refer to the database). */
  private readonly conversationBodyMs: number;
  /** How long a user event's body (and dedupe marker) stays: until the archiver has copied it, even lagging. */
  private readonly userBodyMs: number;
  /**
   * This instance's hub: the copy for its own recipients is handed to it in-process (the same
   * text) instead of making a round trip through Redis. Off (null) sends every copy by SPUBLISH.
   */
  local: LocalHub | null = null;

  constructor(
    redis: RedisClient,
    readonly retentionMs: number,
    private readonly tracer: Tracer | null = null,
    archive: StreamArchiveOptions | null = null,
  ) {
    redis.defineCommand('chorusConversationStep', { numberOfKeys: 5, lua: CONVERSATION_STEP });
    redis.defineCommand('chorusUserEventStep', { numberOfKeys: 1, lua: USER_EVENT_STEP });
    this.redis = redis as ScriptRedis;
    this.appender = new StreamAppender(redis, retentionMs);
    this.archive = archive ? new ArchiveReader(archive.db) : null;
    this.conversationBodyMs = archive ? Math.min(retentionMs, 2 * archive.windowMs) : retentionMs;
    this.userBodyMs = archive ? Math.min(retentionMs, Math.max(2 * archive.windowMs, 3600_000)) : retentionMs;
  }

  async publishConversationEvent(input: ConversationPublish): Promise<{ result: ConversationPublishResult; lastPublished: number }> {
    const body = stringify(input.event);
    const keys = conversationKeys(input.conversationId);
    const [status, value, pending, stored] = await withPublishSpan(this.tracer, input.event.type, async (traceparent) => {
      const answer = await this.redis.chorusConversationStep(
        keys.cursor,
        keys.members,
        keys.lastId,
        keys.body(input.seq),
        keys.pending(input.seq),
        input.seq,
        body,
        this.retentionMs,
        (input.add ?? []).join(','),
        (input.remove ?? []).join(','),
        input.seed ? input.seed.join(',') : '-',
        input.force ? '1' : '0',
        this.conversationBodyMs,
      );
      const [code, , id, list] = answer;
      if (code === 1) {
        const conversation = { id: input.conversationId, seq: input.seq };
        const appended = list ? await this.appender.append({ bodyKey: keys.body(input.seq), proposedId: id!, conversation, specs: list.split(',') }) : [];
        await Promise.all([list ? this.redis.del(keys.pending(input.seq)) : null, this.sendLive(id!, appended, body, traceparent)]);
      }
      return answer;
    });
    // Published earlier by a process that stopped before its appends were confirmed: finish them.
    // Its stored body may have expired meanwhile: it is the same event, so this call's body serves.
    if (status === 2) await this.sendLive('', await this.appender.completePending(input.conversationId, input.seq, pending!), stored || body, undefined);
    const result = status === 1 ? 'published' : status === 0 || status === 2 ? 'duplicate' : status === -1 ? 'gap' : 'needs_seed';
    return { result, lastPublished: status === 1 ? input.seq : value };
  }

  /** A replayable event for users, published once per `dedupeKey` however often it is retried. */
  async publishUserEvent(userIds: number[], dedupeKey: string, event: ChorusEvent): Promise<void> {
    if (userIds.length === 0) return;
    const body = stringify(event);
    const bodyKey = userEventKey(dedupeKey);
    await withPublishSpan(this.tracer, event.type, async (traceparent) => {
      const id = await this.redis.chorusUserEventStep(bodyKey, body, this.userBodyMs);
      if (id === null) return;
      const specs = [...new Set(userIds)].map((user) => `${user}!`);
      await this.sendLive(id, await this.appender.append({ bodyKey, proposedId: id, conversation: null, specs }), body, traceparent);
    });
  }

  /** A live-only event (typing, presence) for whichever of `userIds` are connected now. */
  async publishEphemeral(userIds: number[], event: ChorusEvent): Promise<void> {
    const users = [...new Set(userIds)];
    if (users.length === 0) return;
    const routes = await Promise.all(users.map((user) => this.redis.hgetall(userKeys(user).routes)));
    const now = Date.now();
    const byInstance = new Map<string, number[]>();
    users.forEach((user, index) => {
      for (const [instance, lease] of Object.entries(routes[index]!)) {
        if (Number(lease) <= now) continue;
        const list = byInstance.get(instance);
        if (list) list.push(user);
        else byInstance.set(instance, [user]);
      }
    });
    const body = stringify(event);
    await Promise.all([...byInstance].map(([instance, list]) => this.send(instance, `~\n${list.join(',')}\n${body}`)));
  }

  /**
   * `eventId[ traceparent] \n user:prev[:id],… \n body` to each instance with a recipient's
   * route; a recipient's own id is named only where it differs from the event's.
   */
  private async sendLive(eventId: string, appended: Appended[], body: string, traceparent: string | undefined): Promise<void> {
    const byInstance = new Map<string, string[]>();
    for (const { user, id, prev, routes } of appended) {
      const token = id === eventId ? `${user}:${prev}` : `${user}:${prev}:${id}`;
      for (const instance of routes) {
        const list = byInstance.get(instance);
        if (list) list.push(token);
        else byInstance.set(instance, [token]);
      }
    }
    if (byInstance.size === 0) return;
    const head = `${eventId || '0-0'}${traceparent ? ` ${traceparent}` : ''}\n`;
    await Promise.all([...byInstance].map(([instance, tokens]) => this.send(instance, `${head}${tokens.join(',')}\n${body}`)));
  }

  /**
   * One instance's copy. Ours is dispatched here and now: this append's answer already fixed
   * the entry's place in each recipient's stream, and each copy names the entry before it, so a
   * copy overtaking an earlier one published elsewhere is caught by the stream as any gap is.
   */
  private async send(instance: string, message: string): Promise<void> {
    if (this.local && instance === this.local.instanceId) this.local.receive(message);
    else await this.redis.spublish(instanceChannel(instance), message);
  }

  /** Id of the user's newest event, or null when the user has none (or Redis lost them). */
  async head(userId: number): Promise<string | null> {
    return this.redis.get(userKeys(userId).head);
  }

  /** Heads of many users (one round trip on one server, pipelined on a cluster). */
  async heads(userIds: number[]): Promise<(string | null)[]> {
    return getMany(
      this.redis,
      userIds.map((user) => userKeys(user).head),
    );
  }

  /**
   * Events after `afterId`, oldest first, up to `count`. `continuous` is false when nothing
   * follows `afterId` although later events exist (they were pruned, or `afterId` is not a
   * position we gave). Redis holds the recent part of the stream; the archive the part before
   * it. An entry leaves Redis only once the archive has it, so reading Redis first and the
   * archive second never misses one; an archived run ends where Redis continues.
   */
  async readAfter(userId: number, afterId: string, count = 500): Promise<{ deliveries: Delivery[]; continuous: boolean }> {
    const deliveries: Delivery[] = [];
    let position = afterId;
    for (;;) {
      const recent = await this.readRedis(userId, position, count - deliveries.length);
      if (recent.status === 'read') {
        deliveries.push(...recent.deliveries);
        return { deliveries, continuous: recent.complete };
      }
      // Nothing in Redis after the head: only a resumption from before it asks the database.
      const behind = recent.status === 'detached' || ((await this.head(userId)) ?? position) !== position;
      const archived = this.archive && behind ? await this.archive.readAfter(userId, position, count - deliveries.length) : [];
      if (archived.length === 0) {
        // What was read follows `afterId`; a break after it shows on the next read.
        return { deliveries, continuous: deliveries.length > 0 || recent.status === 'empty' };
      }
      deliveries.push(...archived);
      position = archived[archived.length - 1]!.id;
      if (deliveries.length >= count) return { deliveries, continuous: true };
    }
  }

  /** The Redis part of the stream after `position`, if it continues from there. */
  private async readRedis(userId: number, position: string, count: number): Promise<RedisRead> {
    const entries = await this.redis.xrange(userKeys(userId).stream, `(${position}`, '+', 'COUNT', count);
    if (entries.length === 0) return { status: 'empty' };
    // Each entry names the user's entry before it: the first must follow `position`.
    if (entryField(entries[0]![1], 'p') !== position) return { status: 'detached' };
    const keys = entries.map(([, fields]) => entryField(fields, 'b'));
    const bodies = await getMany(this.redis, keys);
    // A conversation event's body leaves Redis before its entry may: the database has the event.
    const expired = keys.flatMap((key, index) => (bodies[index] ? [] : [conversationRef(key) ?? '']));
    const rebuilt = this.archive && expired.length > 0 ? await this.archive.conversationEvents(expired.filter(Boolean)) : new Map<string, ChorusEvent>();
    const deliveries: Delivery[] = [];
    for (const [index, [id, fields]] of entries.entries()) {
      const body = bodies[index];
      const event = body ? superjson.parse<ChorusEvent>(body) : rebuilt.get(conversationRef(keys[index]!) ?? '');
      // A body outlived by its entry and not in the database: the event is past retention.
      if (!event) return { status: 'read', deliveries, complete: false };
      deliveries.push({ id, prev: entryField(fields, 'p'), event });
    }
    return { status: 'read', deliveries, complete: true };
  }
}
