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
 */
export async function* endOnRevocation<T>(source: AsyncIterable<T>, watch: { signal: AbortSignal; release(): void }): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let revoke: (() => void) | null = null;
  const onAbort = () => revoke?.();
  watch.signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (true) {
      if (watch.signal.aborted) throw revoked();
      const next = await new Promise<IteratorResult<T> | 'revoked'>((resolve, reject) => {
        revoke = () => resolve('revoked');
        iterator.next().then(resolve, reject);
      });
      revoke = null;
      if (next === 'revoked') throw revoked();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    watch.signal.removeEventListener('abort', onAbort);
    watch.release();
    void iterator.return?.();
  }
}

const revoked = () => new AppError('UNAUTHORIZED', 'Your session has ended');
