/**
 * Turns a provider's tiny chunks into deltas at most one per interval. The first piece goes
 * out at once (time to first token matters most); later pieces wait for the interval. Writes
 * are chained so the log receives them in order.
 */
export class DeltaBatcher {
  private text = '';
  private pending = '';
  private lastFlushAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly write: (text: string) => Promise<unknown>,
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  add(piece: string): void {
    this.text += piece;
    this.pending += piece;
    if (this.timer) return;
    const wait = this.lastFlushAt + this.intervalMs - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending, waits for every write, and returns the whole text. */
  async close(): Promise<string> {
    this.flush();
    await this.chain;
    return this.text;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const piece = this.pending;
    this.pending = '';
    this.lastFlushAt = performance.now();
    this.chain = this.chain.then(() => this.write(piece)).catch(this.onWriteError);
  }
}
