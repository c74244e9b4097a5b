import type { RedisClient } from '../redis-client';
import { groupByNode } from './slot-groups';
import { APPEND } from './stream-scripts';
import { conversationKeys, userKeys } from './stream-keys';

type ScriptRedis = RedisClient & { chorusAppend(...args: (string | number)[]): Promise<[number, string, ...(string | number)[]][]> };

/** A user whose stream received the event: their entry's id, the entry before it, and their live routes. */
export interface Appended {
  user: number;
  id: string;
  prev: string;
  routes: string[];
}

export interface AppendInput {
  bodyKey: string;
  proposedId: string;
  /** Conversation and seq: the order check and the retry guard; null for a user event. */
  conversation: { id: number; seq: number } | null;
  /** `user` or `user!` (appended without the order check). */
  specs: string[];
}

/**
 * Appends an event to its recipients' streams (step 2 of stream-scripts.ts): one script call
 * per Redis node. Users the script finds lacking the conversation's previous event are
 * repaired from its pending record and then appended; one repaired from nothing (the record
 * expired, or Redis lost it) is appended without the check, as nothing could fill it.
 */
export class StreamAppender {
  private readonly redis: ScriptRedis;

  constructor(
    redis: RedisClient,
    private readonly retentionMs: number,
  ) {
    redis.defineCommand('chorusAppend', { lua: APPEND });
    this.redis = redis as ScriptRedis;
  }

  async append(input: AppendInput): Promise<Appended[]> {
    const appended: Appended[] = [];
    const behind: { spec: string; have: number }[] = [];
    const groups = groupByNode(this.redis, input.specs, (spec) => userKeys(parseInt(spec, 10)).stream);
    const answers = await Promise.all(groups.map((specs) => this.call(input, specs)));
    for (const [index, answer] of answers.entries()) {
      for (const [position, row] of answer.entries()) {
        const [status, user] = row;
        if (status === 1) appended.push({ user: Number(user), id: String(row[2]), prev: String(row[3]), routes: row[4] ? String(row[4]).split(' ') : [] });
        else if (status === -1) behind.push({ spec: groups[index]![position]!, have: Number(row[2]) });
      }
    }
    if (behind.length === 0 || !input.conversation) return appended;
    const { id, seq } = input.conversation;
    const from = Math.min(...behind.map((entry) => entry.have)) + 1;
    for (let missing = from; missing < seq; missing++) await this.repair(id, missing);
    const retry = await this.append({ ...input, specs: behind.map((entry) => entry.spec) });
    // Still behind after every pending record was applied: nothing can fill the gap any more.
    const stuck = behind.filter((entry) => !retry.some((done) => done.user === parseInt(entry.spec, 10)));
    const forced = stuck.length > 0 ? await this.append({ ...input, specs: stuck.map((entry) => `${parseInt(entry.spec, 10)}!`) }) : [];
    return [...appended, ...retry, ...forced];
  }

  /** Completes the appends of an event whose publisher stopped between the two steps. */
  async completePending(conversationId: number, seq: number, pending: string): Promise<Appended[]> {
    const space = pending.indexOf(' ');
    const keys = conversationKeys(conversationId);
    const appended = await this.append({
      bodyKey: keys.body(seq),
      proposedId: pending.slice(0, space),
      conversation: { id: conversationId, seq },
      specs: pending.slice(space + 1).split(','),
    });
    await this.redis.del(keys.pending(seq));
    return appended;
  }

  private async repair(conversationId: number, seq: number): Promise<void> {
    const pending = await this.redis.get(conversationKeys(conversationId).pending(seq));
    if (pending) await this.completePending(conversationId, seq, pending);
  }

  private async call(input: AppendInput, specs: string[]) {
    const conversation = input.conversation;
    return this.redis.chorusAppend(
      1,
      userKeys(parseInt(specs[0]!, 10)).stream,
      input.bodyKey,
      input.proposedId,
      this.retentionMs,
      conversation ? conversation.id : '',
      conversation ? conversation.seq : 0,
      ...specs,
    );
  }
}
