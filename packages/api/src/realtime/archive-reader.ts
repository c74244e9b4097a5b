import { conversationEvents, eventArchive, type Db } from '@chorus/db';
import { and, asc, eq, gt, inArray, or } from 'drizzle-orm';
import superjson from 'superjson';
import type { Delivery } from './event-hub';
import type { ChorusEvent } from './events';
import { decodePayload } from './stored-event';
import { compareStreamIds } from './stream-ids';

/**
 * Where an archived entry's body is: `c<conversationId>:<seq>` (a conversation event, rebuilt
 * from `conversation_events`), the stored body of a user event, or null when the body had
 * already expired from Redis when the entry was archived (the event is lost).
 */
export type ArchivedRef = string | { b: string } | null;
/** One archived stream entry: its id, the id of the user's entry before it, its body. */
export type ArchivedEntry = [id: string, prev: string, ref: ArchivedRef];

/** Rows looked at per query while searching for the one that holds the next entry. */
const CANDIDATES = 50;
/** Pages of candidates looked at before the search gives up (overlapping passes leave a few). */
const CANDIDATE_PAGES = 20;

/** `c12:34` for the body key `chorus:{c12}:b:34` of a conversation event; null for any other key. */
export function conversationRef(bodyKey: string): string | null {
  const match = /^chorus:\{c(\d+)\}:b:(\d+)$/.exec(bodyKey);
  return match ? `c${match[1]}:${match[2]}` : null;
}

/** A field of a stream entry (`b` its body key, `p` the entry before it). */
export function entryField(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  return index >= 0 && index % 2 === 0 ? (fields[index + 1] ?? '') : '';
}

/** `ms` and `seq` of a stream id `ms-seq`. */
export function splitStreamId(id: string): { ms: number; seq: number } {
  const dash = id.indexOf('-');
  return { ms: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)) };
}

/**
 * Reads the part of users' streams that the archiver moved from Redis to `event_archive`
 * (stream-archive.ts). Each row is a contiguous run of one user's entries; rows of concurrent or
 * repeated passes may overlap, so the reader follows the `prev` chain rather than the rows.
 */
export class ArchiveReader {
  constructor(private readonly db: Db) {}

  /**
   * Archived entries that continue the user's stream after `afterId`, oldest first, up to
   * `count`: empty when the archive holds no entry whose `prev` is `afterId`. The chain stops
   * where it cannot continue (an entry missing, or its body gone from the database).
   */
  async readAfter(userId: number, afterId: string, count: number): Promise<Delivery[]> {
    const chain: ArchivedEntry[] = [];
    let position = afterId;
    while (chain.length < count) {
      const entries = await this.rowHolding(userId, position);
      if (!entries) break;
      let broken = false;
      for (const entry of entries) {
        if (compareStreamIds(entry[0], position) <= 0) continue;
        if (entry[1] !== position || chain.length >= count) {
          broken = entry[1] !== position;
          break;
        }
        chain.push(entry);
        position = entry[0];
      }
      if (broken) break;
    }
    return this.resolve(chain);
  }

  /**
   * Entries of the row holding the entry after `position`: the first row (in stream order)
   * that ends after `position` and starts at or before the entry after it, i.e. whose first
   * entry's `prev` is not past `position`. Candidates are read without their entries.
   */
  private async rowHolding(userId: number, position: string): Promise<ArchivedEntry[] | null> {
    let after = splitStreamId(position);
    for (let page = 0; page < CANDIDATE_PAGES; page++) {
      const candidates = await this.db
        .select({ lastMs: eventArchive.lastMs, lastSeq: eventArchive.lastSeq, firstPrev: eventArchive.firstPrev })
        .from(eventArchive)
        .where(
          and(
            eq(eventArchive.userId, userId),
            or(gt(eventArchive.lastMs, after.ms), and(eq(eventArchive.lastMs, after.ms), gt(eventArchive.lastSeq, after.seq))),
          ),
        )
        .orderBy(asc(eventArchive.lastMs), asc(eventArchive.lastSeq))
        .limit(CANDIDATES);
      const found = candidates.find((row) => compareStreamIds(row.firstPrev, position) <= 0);
      if (found) {
        const [row] = await this.db
          .select({ entries: eventArchive.entries })
          .from(eventArchive)
          .where(and(eq(eventArchive.userId, userId), eq(eventArchive.lastMs, found.lastMs), eq(eventArchive.lastSeq, found.lastSeq)));
        // Pruned between the two reads: past retention.
        return row ? (JSON.parse(row.entries) as ArchivedEntry[]) : null;
      }
      if (candidates.length < CANDIDATES) return null;
      const last = candidates[candidates.length - 1]!;
      after = { ms: last.lastMs, seq: last.lastSeq };
    }
    return null;
  }

  /** The entries' events, up to the first whose body is gone (pruned with its conversation event). */
  private async resolve(chain: ArchivedEntry[]): Promise<Delivery[]> {
    const bodies = await this.conversationEvents(chain.flatMap(([, , ref]) => (typeof ref === 'string' ? [ref] : [])));
    const deliveries: Delivery[] = [];
    for (const [id, prev, ref] of chain) {
      const event = ref === null ? undefined : typeof ref === 'string' ? bodies.get(ref) : superjson.parse<ChorusEvent>(ref.b);
      if (!event) break;
      deliveries.push({ id, prev, event });
    }
    return deliveries;
  }

  /**
   * Conversation events by ref (`c<id>:<seq>`), rebuilt as the publisher built them:
   * `{ ...payload, conversationId, seq }`. One query, by the (conversation_id, seq) unique index.
   */
  async conversationEvents(refs: string[]): Promise<Map<string, ChorusEvent>> {
    const byConversation = new Map<number, number[]>();
    for (const ref of refs) {
      const colon = ref.indexOf(':');
      const conversationId = Number(ref.slice(1, colon));
      const seqs = byConversation.get(conversationId);
      if (seqs) seqs.push(Number(ref.slice(colon + 1)));
      else byConversation.set(conversationId, [Number(ref.slice(colon + 1))]);
    }
    const found = new Map<string, ChorusEvent>();
    if (byConversation.size === 0) return found;
    const rows = await this.db
      .select({ conversationId: conversationEvents.conversationId, seq: conversationEvents.seq, payload: conversationEvents.payload })
      .from(conversationEvents)
      .where(or(...[...byConversation].map(([id, seqs]) => and(eq(conversationEvents.conversationId, id), inArray(conversationEvents.seq, seqs)))));
    for (const row of rows) {
      const event = { ...decodePayload(row.payload), conversationId: row.conversationId, seq: row.seq } as unknown as ChorusEvent;
      found.set(`c${row.conversationId}:${row.seq}`, event);
    }
    return found;
  }
}
