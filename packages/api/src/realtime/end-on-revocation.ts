import { AppError } from '../errors';

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Passes `source` through until `watch.signal` aborts, then fails with UNAUTHORIZED so the
 * client's subscription ends with a typed error. Always releases the watch and the source.
 */
export async function* endOnRevocation<T>(source: AsyncIterable<T>, watch: { signal: AbortSignal; release(): void }): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await nextOrRevoked(iterator, watch.signal);
      if (next === 'revoked') throw new AppError('UNAUTHORIZED', 'Your session has ended');
      if (next.done) return;
      yield next.value;
    }
  } finally {
    watch.release();
    void iterator.return?.();
  }
}

/**
 * The next item, or 'revoked' if the signal aborts first. The abort listener lives for one
 * item only: racing every item against one long-lived promise would pile a reaction per item
 * onto it, keeping every delivered event alive for as long as the subscription.
 */
function nextOrRevoked<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | 'revoked'> {
  if (signal.aborted) return Promise.resolve('revoked');
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('revoked');
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
