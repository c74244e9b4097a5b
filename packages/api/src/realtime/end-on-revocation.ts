import type { EndSignal } from '@chorus/transport';
import { AppError } from '../errors';

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Passes `source` through until `watch.signal` aborts, then fails with UNAUTHORIZED so the
 * client's subscription ends with a typed error. Always releases the watch and the source.
 *
 * One abort listener serves the whole subscription: it settles whichever item is being awaited
 * at the time. (A listener per item costs an add and a remove per delivered event; racing every
 * item against one long-lived promise would pile a reaction per item onto it instead.)
 *
 * An iterator object rather than a generator: a generator passing items on keeps the last one
 * in its frame while it waits for the next, and a room's snapshot per subscriber adds up. A class
 * with the abort listener as its own `handleEvent`: every idle subscription holds one, and
 * closures made per subscription would cost a function and its context each.
 */
export function endOnRevocation<T>(
  source: AsyncIterable<T>,
  watch: { signal: EndSignal; release(): void },
): AsyncIterableIterator<T> & Required<Pick<AsyncIterator<T>, 'return' | 'throw'>> {
  return new RevocationEnd(source[Symbol.asyncIterator](), watch);
}

class RevocationEnd<T> implements AsyncIterableIterator<T> {
  /** Settles the item awaited now with `revoked` (null between items). */
  private revoke: ((value: 'revoked') => void) | null = null;
  private finished = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly watch: { signal: EndSignal; release(): void },
  ) {
    watch.signal.addEventListener('abort', this, { once: true });
  }

  /** The watch's abort listener. */
  handleEvent(): void {
    this.revoke?.('revoked');
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.finished) return { done: true, value: undefined };
    if (this.watch.signal.aborted) return this.settled(revoked());
    let next: IteratorResult<T> | 'revoked';
    try {
      next = await new Promise<IteratorResult<T> | 'revoked'>((resolve, reject) => {
        this.revoke = resolve;
        this.iterator.next().then(resolve, reject);
      });
    } catch (error) {
      return this.settled(error);
    } finally {
      this.revoke = null;
    }
    if (next === 'revoked') return this.settled(revoked());
    if (next.done) this.finish();
    return next;
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    return { done: true, value: value as T };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    return this.settled(error);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.watch.signal.removeEventListener('abort', this);
    this.watch.release();
    void this.iterator.return?.();
  }

  private settled(error: unknown): never {
    this.finish();
    throw error;
  }
}

const revoked = () => new AppError('UNAUTHORIZED', 'Your session has ended');
