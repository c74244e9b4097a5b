import { openScriptPool, type Db, type ScriptPool, type TMessageRow } from '@chorus/db';
import { retryOnDeadlock } from '../db-errors';
import { commitMessageBatch, type CommittedMessage, type MessageDraft } from './message-batch';

/**
 * A free lane's wait for more messages while they come at 250/s or more. Two instances each
 * see half the rate of one: without it their batches halve, and MariaDB's CPU per message
 * follows the transactions per message (docs/capacity.md, "Adding instances").
 */
const DEFAULT_LINGER_MS = 4;

/** The linger's rate estimate spans this many lingers: it lingers at LINGER_WINDOWS arrivals in that time, one per linger. */
const LINGER_WINDOWS = 20;

interface Waiting {
  draft: MessageDraft;
  resolve(committed: CommittedMessage): void;
  reject(error: unknown): void;
}

export interface SendQueueOptions {
  /**
   * Transactions committing messages at once (each on its own connection). One by default:
   * messages arriving while it runs make the next batch, so batches grow with the load. With
   * two, 2,000 direct conversations at 1,000 messages/s still committed about one message per
   * transaction, and MariaDB spent a third more CPU per message.
   */
  lanes?: number;
  /** Most messages in one transaction. */
  maxBatch?: number;
  /**
   * Longest a free lane waits for more messages before it starts a transaction, and only while
   * messages arrive more often than once in that time (0: never waits; default 4). See `waitForMore`.
   */
  lingerMs?: number;
  /** Statements each batch's transaction also runs, given its stored messages (queueing them for the search index). */
  alsoRun?: (rows: readonly TMessageRow[]) => string[];
}

/**
 * Group commit for `chat.send`. A message goes to the database at once when a lane is free;
 * otherwise it waits for the next transaction, which takes everything that arrived meanwhile.
 * So a quiet server commits each message alone, and a busy one stores many messages with the
 * statements of one. A transaction that fails (a reused clientId, a lost connection) is tried
 * again message by message, so one bad message never fails the others. The transactions run
 * on a pool of their own, one connection per lane, whose connections take scripts (see
 * `openScriptPool`); `close` ends it.
 */
export class SendQueue {
  /** Committed transactions and the messages they stored (messages per transaction shows the batching). */
  readonly stats = { transactions: 0, messages: 0 };
  private waiting: Waiting[] = [];
  private running = 0;
  /**
   * Recent arrivals: each message adds 1, and the sum decays with time constant 20 × lingerMs,
   * so `arrivals / (20 × lingerMs)` is the recent rate per ms.
   */
  private arrivals = 0;
  private lastArrival = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** The linger ended: the next free lane takes what is waiting. */
  private ripe = false;
  lingerMs: number;
  private readonly lanes: number;
  private readonly maxBatch: number;
  private readonly scripts: ScriptPool;
  private readonly alsoRun: SendQueueOptions['alsoRun'];

  constructor(db: Db, options: SendQueueOptions = {}) {
    this.lanes = options.lanes ?? 1;
    this.maxBatch = options.maxBatch ?? 200;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.scripts = openScriptPool(db, this.lanes);
    this.alsoRun = options.alsoRun;
  }

  /** Closes the queue's connections; call it once nothing is being sent. */
  async close(): Promise<void> {
    clearTimeout(this.lingerTimer);
    await this.scripts.end();
  }

  /** Stores the message; rejects with the typed error of a refused one. */
  commit(draft: MessageDraft): Promise<CommittedMessage> {
    const now = performance.now();
    if (this.lingerMs > 0) this.arrivals = this.arrivals * Math.exp((this.lastArrival - now) / (LINGER_WINDOWS * this.lingerMs)) + 1;
    this.lastArrival = now;
    return new Promise((resolve, reject) => {
      this.waiting.push({ draft, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.lanes && this.waiting.length > 0) {
      if (this.waitForMore()) return;
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * True while a free lane lingers for the next messages. It does so only when the recent rate
   * brings at least one more message within `lingerMs` (a quiet queue commits a message at
   * once), never past a full batch, and at most `lingerMs`.
   */
  private waitForMore(): boolean {
    if (this.waiting.length >= this.maxBatch || this.ripe) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
      this.ripe = false;
      return false;
    }
    if (this.lingerTimer) return true;
    if (!(this.lingerMs > 0 && this.arrivals >= LINGER_WINDOWS)) return false;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.ripe = true;
      this.pump();
    }, this.lingerMs);
    return true;
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await retryOnDeadlock(() =>
        commitMessageBatch(
          this.scripts,
          batch.map((waiting) => waiting.draft),
          this.alsoRun,
        ),
      );
      this.stats.transactions++;
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.ok) {
          this.stats.messages++;
          batch[index]!.resolve(outcome.committed);
        } else batch[index]!.reject(outcome.error);
      }
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const waiting of batch) await this.run([waiting]);
    }
  }
}
