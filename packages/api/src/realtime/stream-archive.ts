import { eventArchive, isBusy, type Db } from '@chorus/db';
import { lt, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../kernel';
import type { Metrics } from '../metrics/metrics';
import type { RedisClient } from '../redis-client';
import { isRedisUnavailable } from '../redis-errors';
import { redisNodes } from '../redis-nodes';
import { conversationRef, entryField, splitStreamId, type ArchivedEntry } from './archive-reader';
import { getMany } from './slot-groups';

/** Entries read from a stream at once; each read becomes one archive row. */
const READ_COUNT = 1000;
/** Streams whose first reads are sent together. */
const READS_AT_ONCE = 100;
/** Streams named per SCAN reply (a hint to Redis). */
const SCAN_COUNT = 1000;
/** Rows are inserted, and their streams trimmed, once this much is gathered. */
const FLUSH_BYTES = 2 * 1024 * 1024;
/** Rows per INSERT. */
const INSERT_ROWS = 50;
/** About this much JSON per row and per INSERT: well under MEDIUMTEXT's 16 MB and the server's max_allowed_packet. */
const ROW_BYTES = 1024 * 1024;
/** Archive rows past retention deleted per statement. */
const PRUNE_BATCH = 5000;
/** Pruning runs this often while it finds nothing (by the server clock). */
const PRUNE_EVERY_MS = 60_000;
const USER_STREAM = /^chorus:\{u(\d+)\}:s$/;

export interface StreamArchiverOptions {
  /** Entries older than this (by the Redis node's clock) move to the database. */
  windowMs: number;
  /** Archived rows whose last entry is older than this (by the server clock) are deleted. */
  retentionMs: number;
  /** Period of the passes; default window / 5, between 1 s and 60 s. */
  everyMs?: number;
}

interface Row {
  userId: number;
  lastMs: number;
  lastSeq: number;
  firstPrev: string;
  entries: string;
}

/**
 * Moves the entries of users' Redis streams that are older than the window into
 * `event_archive`, so Redis holds the last minutes of each stream and its memory follows the
 * users, not the message volume. The order makes it lossless: the rows are committed first, and
 * only then is each stream trimmed (`XTRIM MINID`, exact) up to the last entry archived, so an
 * entry is always in Redis or in the database, or briefly in both (the reader follows the
 * `prev` chain and tolerates the overlap).
 *
 * One instance runs a period's pass (a Redis key per period, SET NX); a pass that overlaps
 * another (a slow one, or two instances) is harmless: a row already inserted is left as it is and
 * trimming to an id already trimmed does nothing.
 */
export class StreamArchiver {
  private readonly timer: NodeJS.Timeout;
  private readonly everyMs: number;
  private running: Promise<void> | null = null;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: { db: Db; redis: RedisClient; logger: Logger; clock: Clock; metrics: Metrics },
    private readonly options: StreamArchiverOptions,
  ) {
    this.everyMs = options.everyMs ?? Math.min(60_000, Math.max(1000, Math.round(options.windowMs / 5)));
    this.timer = setInterval(() => this.tick(), this.everyMs).unref();
  }

  /** Stops the passes and waits for the one in progress. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.claimedPass()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'stream archive pass failed'))
      .finally(() => (this.running = null));
  }

  private async claimedPass(): Promise<void> {
    const period = Math.floor(this.deps.clock.now().getTime() / this.everyMs);
    const claimed = await this.deps.redis.set(`chorus:{job}:stream-archive:${period}`, '1', 'PX', this.everyMs * 2, 'NX');
    if (claimed === 'OK') await this.pass();
  }

  /** One pass over every primary's user streams, then a batch of pruning. Returns the entries archived. */
  async pass(): Promise<number> {
    const started = performance.now();
    let archived = 0;
    for (const node of redisNodes(this.deps.redis)) archived += await this.passNode(node);
    await this.prune();
    this.deps.metrics.streamArchivePass(archived, (performance.now() - started) / 1000);
    return archived;
  }

  private async passNode(node: Redis): Promise<number> {
    const [seconds, micros] = await node.time();
    const end = `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - this.options.windowMs}-0`;
    const batch = new Batch();
    // Streams that failed during this pass: left as they are (never trimmed) until the next.
    const skipped = new Set<string>();
    let archived = 0;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', 'chorus:{u*}:s', 'COUNT', SCAN_COUNT, 'TYPE', 'stream');
      cursor = next;
      const streams = keys.flatMap((key) => {
        const user = USER_STREAM.exec(key);
        return user ? [{ key, userId: Number(user[1]) }] : [];
      });
      for (let start = 0; start < streams.length; start += READS_AT_ONCE) {
        const chunk = streams.slice(start, start + READS_AT_ONCE);
        // Most streams have nothing past the window: their reads go out together (pipelined).
        const firsts = await Promise.allSettled(chunk.map(({ key }) => this.deps.redis.xrange(key, '-', end, 'COUNT', READ_COUNT)));
        for (const [index, { key, userId }] of chunk.entries()) {
          try {
            let entries = settledValue(firsts[index]!);
            while (entries.length > 0 && !skipped.has(key)) {
              for (const row of await this.rows(userId, entries)) batch.add(key, row);
              archived += entries.length;
              if (batch.bytes >= FLUSH_BYTES) await this.flush(batch, skipped);
              if (entries.length < READ_COUNT) break;
              entries = await this.deps.redis.xrange(key, `(${entries[entries.length - 1]![0]}`, end, 'COUNT', READ_COUNT);
            }
          } catch (error) {
            this.skip(key, error, skipped);
          }
        }
      }
    } while (cursor !== '0');
    await this.flush(batch, skipped);
    return archived;
  }

  /**
   * One stream's failure is its own: logged, and the stream keeps its entries in Redis for the
   * next pass while the others are archived. Redis or the database being unreachable is every
   * stream's failure: it ends the pass.
   */
  private skip(key: string, error: unknown, skipped: Set<string>): void {
    if (isRedisUnavailable(error) || isBusy(error)) throw error;
    skipped.add(key);
    this.deps.logger.warn({ err: error, key }, 'stream not archived; it is tried again at the next pass');
  }

  /**
   * Rows of a user's consecutive entries (one, unless user events' bodies make it large); user
   * events' bodies are copied, as no table holds them.
   */
  private async rows(userId: number, entries: [string, string[]][]): Promise<Row[]> {
    const keys = entries.map(([, fields]) => entryField(fields, 'b'));
    const own = keys.filter((key) => conversationRef(key) === null);
    const bodies = new Map<string, string | null>();
    const read = await getMany(this.deps.redis, own);
    own.forEach((key, index) => bodies.set(key, read[index] ?? null));
    const rows: Row[] = [];
    let list: ArchivedEntry[] = [];
    let bytes = 0;
    const close = () => {
      const last = splitStreamId(list[list.length - 1]![0]);
      rows.push({ userId, lastMs: last.ms, lastSeq: last.seq, firstPrev: list[0]![1], entries: JSON.stringify(list) });
      list = [];
      bytes = 0;
    };
    for (const [index, [id, fields]] of entries.entries()) {
      const key = keys[index]!;
      const ref = conversationRef(key);
      const body = ref === null ? bodies.get(key) : null;
      list.push([id, entryField(fields, 'p'), ref ?? (body ? { b: body } : null)]);
      bytes += 64 + (body?.length ?? 0);
      if (bytes >= ROW_BYTES) close();
    }
    if (list.length > 0) close();
    return rows;
  }

  /**
   * Commits the gathered rows, then trims their streams up to what was committed. A statement
   * that fails is tried again a row at a time, so a bad row holds back only its own stream.
   */
  private async flush(batch: Batch, skipped: Set<string>): Promise<void> {
    const { rows, trims } = batch.take();
    let start = 0;
    while (start < rows.length) {
      // Up to INSERT_ROWS rows and about ROW_BYTES per statement (always at least one row).
      let end = start + 1;
      let bytes = rows[start]!.row.entries.length;
      while (end < rows.length && end - start < INSERT_ROWS && bytes + rows[end]!.row.entries.length <= ROW_BYTES) bytes += rows[end++]!.row.entries.length;
      const statement = rows.slice(start, end);
      try {
        await this.insert(statement.map(({ row }) => row));
      } catch (error) {
        if (statement.length === 1) this.skip(statement[0]!.key, error, skipped);
        else for (const { key, row } of statement) await this.insert([row]).catch((rowError: unknown) => this.skip(key, rowError, skipped));
      }
      start = end;
    }
    const trimmed = [...trims].filter(([key]) => !skipped.has(key));
    const results = await Promise.allSettled(
      trimmed.map(([key, last]) => {
        const { ms, seq } = splitStreamId(last);
        return this.deps.redis.xtrim(key, 'MINID', `${ms}-${seq + 1}`);
      }),
    );
    // Untrimmed, a stream's entries are archived again at the next pass (the rows stay as they are).
    results.forEach((result, index) => result.status === 'rejected' && this.skip(trimmed[index]![0], result.reason, skipped));
  }

  private async insert(rows: Row[]): Promise<void> {
    // A row already there (a repeated or concurrent pass) stays as it is. Not INSERT IGNORE:
    // that would also turn a truncated row into a warning, and the stream would then be trimmed.
    await this.deps.db
      .insert(eventArchive)
      .values(rows)
      .onDuplicateKeyUpdate({ set: { firstPrev: sql`first_prev` } });
  }

  /** Deletes a batch of rows past retention; again at once while batches come back full. */
  private async prune(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    const [result] = await this.deps.db
      .delete(eventArchive)
      .where(lt(eventArchive.lastMs, now - this.options.retentionMs))
      .limit(PRUNE_BATCH);
    this.lastPrune = result.affectedRows >= PRUNE_BATCH ? Number.NEGATIVE_INFINITY : now;
  }
}

/** A settled read's value; its error, thrown, when it failed. */
function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** Rows gathered for one INSERT run (with their streams), and how far each stream may then be trimmed. */
class Batch {
  private rows: { key: string; row: Row }[] = [];
  private trims = new Map<string, string>();
  bytes = 0;

  add(key: string, row: Row): void {
    this.rows.push({ key, row });
    this.trims.set(key, `${row.lastMs}-${row.lastSeq}`);
    this.bytes += row.entries.length;
  }

  take(): { rows: { key: string; row: Row }[]; trims: Map<string, string> } {
    const taken = { rows: this.rows, trims: this.trims };
    this.rows = [];
    this.trims = new Map();
    this.bytes = 0;
    return taken;
  }
}
