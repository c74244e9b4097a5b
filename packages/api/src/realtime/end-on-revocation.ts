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
  const revoked = new Promise<'revoked'>((resolve) => {
    if (watch.signal.aborted) resolve('revoked');
    watch.signal.addEventListener('abort', () => resolve('revoked'), { once: true });
  });
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), revoked]);
      if (next === 'revoked') throw new AppError('UNAUTHORIZED', 'Your session has ended');
      if (next.done) return;
      yield next.value;
    }
  } finally {
    watch.release();
    void iterator.return?.();
  }
}
