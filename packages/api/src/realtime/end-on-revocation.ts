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
 * in its frame while it waits for the next, and a room's snapshot per subscriber adds up.
 */
export function endOnRevocation<T>(
  source: AsyncIterable<T>,
  watch: { signal: AbortSignal; release(): void },
): AsyncIterableIterator<T> & Required<Pick<AsyncIterator<T>, 'return' | 'throw'>> {
  const iterator = source[Symbol.asyncIterator]();
  let revoke: (() => void) | null = null;
  let finished = false;
  const onAbort = () => revoke?.();
  watch.signal.addEventListener('abort', onAbort, { once: true });
  const finish = () => {
    if (finished) return;
    finished = true;
    watch.signal.removeEventListener('abort', onAbort);
    watch.release();
    void iterator.return?.();
  };
  const settled = (error: unknown): never => {
    finish();
    throw error;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<T>> {
      if (finished) return { done: true, value: undefined };
      if (watch.signal.aborted) return settled(revoked());
      const next = await new Promise<IteratorResult<T> | 'revoked'>((resolve, reject) => {
        revoke = () => resolve('revoked');
        iterator.next().then(resolve, reject);
      }).catch(settled);
      revoke = null;
      if (next === 'revoked') return settled(revoked());
      if (next.done) finish();
      return next;
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      finish();
      return { done: true, value: value as T };
    },
    async throw(error?: unknown): Promise<IteratorResult<T>> {
      return settled(error);
    },
  };
}

const revoked = () => new AppError('UNAUTHORIZED', 'Your session has ended');
