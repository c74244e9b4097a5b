/**
 * Reconnect delay for attempt `n` (0-based): "full jitter", a uniform draw from 0 to an
 * exponential ceiling (`baseMs`·2^n, capped at `maxMs`). When an instance dies, every client it
 * held drops at the same instant and no server is left to tell them when to come back; drawing
 * from the whole interval spreads their first attempts evenly over `baseMs` instead of bunching
 * them at its upper half, and each failed attempt doubles the interval the rest spread over.
 */
export function reconnectDelay(attempt: number, baseMs = 1000, maxMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(random() * ceiling);
}

/**
 * Close codes that may carry a server's retry hint: 1012 (service restart, sent by a draining
 * instance) and 1013 (try again later, sent by an overloaded one).
 */
const HINTED_CODES = new Set([1012, 1013]);
/** The hint inside a close reason, e.g. `server restarting; retry-ms=1840`. */
const HINT = /(?:^|;\s*)retry-ms=(\d{1,7})(?:;|$)/;

/** The delay a close event asks for, in ms, or null when it carries no hint. */
export function retryHintOf(event: { code?: number; reason?: string } | undefined): number | null {
  if (!event?.code || !HINTED_CODES.has(event.code) || typeof event.reason !== 'string') return null;
  const match = HINT.exec(event.reason);
  return match ? Number(match[1]) : null;
}

/**
 * The client's reconnect timing: full-jitter backoff, except that the first attempt after a
 * close carrying a server hint waits for that hint (the server has already spread its clients
 * over a window, so the client adds no jitter of its own). The hint counts from the close, and
 * is honoured up to `maxMs`; later attempts fall back to the backoff.
 */
export class ReconnectSchedule {
  private hintUntil: number | null = null;

  constructor(private readonly options: { baseMs?: number; maxMs?: number; now?: () => number; random?: () => number } = {}) {}

  /** Notes a socket's close; one with a hint decides the next attempt's delay. */
  closed(event: { code?: number; reason?: string } | undefined): void {
    const hint = retryHintOf(event);
    if (hint !== null) this.hintUntil = this.now() + Math.min(hint, this.options.maxMs ?? 30_000);
  }

  /** The delay before reconnect attempt `attempt` (0 for the first after a drop). */
  delay(attempt: number): number {
    if (this.hintUntil !== null) {
      const wait = this.hintUntil - this.now();
      this.hintUntil = null;
      return Math.max(0, wait);
    }
    return reconnectDelay(attempt, this.options.baseMs, this.options.maxMs, this.options.random);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
