import type { Logger } from 'pino';

/**
 * Background jobs of this process, at most `concurrency` at a time, in arrival order. Nothing
 * is persisted: a job lost with its process is skipped (see docs/previews.md).
 */
export class JobQueue {
  private readonly waiting: Array<() => Promise<unknown>> = [];
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  /** Queues `job`; false when the queue is full or closed (the job is dropped). */
  push(job: () => Promise<unknown>): boolean {
    if (this.closed) return false;
    if (this.waiting.length >= this.maxQueued) {
      this.logger.warn({ queued: this.waiting.length }, 'link preview queue full: job dropped');
      return false;
    }
    this.waiting.push(job);
    this.next();
    return true;
  }

  /** Resolves once nothing runs or waits (tests, benches). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Drops waiting jobs and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.idle();
  }

  private next(): void {
    while (this.running.size < this.concurrency) {
      const job = this.waiting.shift();
      if (!job) return;
      const task: Promise<unknown> = job()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'link preview job failed'))
        .finally(() => {
          this.running.delete(task);
          this.next();
        });
      this.running.add(task);
    }
  }
}
