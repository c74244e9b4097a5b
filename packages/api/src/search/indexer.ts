import { searchQueueKinds, sqlText, type Db, type TSearchQueueKind } from '@chorus/db';
import type { Logger } from 'pino';
import { indexers } from './documents';

export interface IndexerOptions {
  /** How often an idle indexer looks at the queue (a message is searchable within about this). */
  pollMs?: number;
  /** Queue entries taken at once. */
  batch?: number;
}

/**
 * Drains `search_queue` into the index tables: for each queued entry, reads the current row and
 * writes its index row or removes it (documents.ts), then deletes the queue entries it handled. Idempotent, so a crash between
 * the two, or two instances draining at once, only repeats work. A queue entry made while a
 * batch runs has a higher id and is handled by the next batch.
 */
export class SearchIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);
  private stopped = false;
  private readonly pollMs: number;
  private readonly batch: number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: IndexerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 200;
    this.batch = options.batch ?? 500;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => 0);
  }

  /** Drains until the queue is empty (tests, and a clean shutdown). */
  async flush(): Promise<void> {
    while ((await this.drainOnce()) > 0);
  }

  /** One batch, never two at once in this process; how many queue entries it handled. */
  drainOnce(): Promise<number> {
    const next = this.running.catch(() => 0).then(() => this.drain());
    this.running = next;
    return next;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.drainOnce().then(
        (handled) => this.schedule(handled >= this.batch ? 0 : this.pollMs),
        (error: unknown) => {
          this.logger.error({ err: error, component: 'search' }, 'search indexing failed; retrying');
          this.schedule(this.pollMs * 5);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<number> {
    const [rows] = await this.db.$client.query(sqlText('select id, kind, ref_id as refId from search_queue order by id limit ?', [this.batch]));
    const queued = (rows as Array<{ id: number; kind: TSearchQueueKind; refId: number }>).map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      refId: Number(row.refId),
    }));
    if (queued.length === 0) return 0;
    for (const kind of searchQueueKinds) {
      const ids = [...new Set(queued.filter((entry) => entry.kind === kind).map((entry) => entry.refId))];
      if (ids.length > 0) await indexers[kind](this.db, ids);
    }
    await this.db.$client.query(sqlText('delete from search_queue where id in (?)', [queued.map((entry) => entry.id)]));
    return queued.length;
  }
}
