import type { CreateHTTPContextOptions } from '@trpc/server/adapters/standalone';
import { AppError } from './errors';

/** The cap on calls in one HTTP batch unless configured (`@chorus/client` batches at most this many). */
export const DEFAULT_MAX_BATCH_CALLS = 50;

/**
 * Wraps the HTTP context factory: a batch of more than `maxCalls` calls is refused before any of
 * them runs or a session is looked up, each call failing with BATCH_TOO_LARGE. Without a cap one
 * request could carry thousands of calls past the per-request limits.
 */
export function limitBatchSize<TContext>(
  createContext: (opts: CreateHTTPContextOptions) => Promise<TContext>,
  maxCalls: number,
): (opts: CreateHTTPContextOptions) => Promise<TContext> {
  return async (opts) => {
    const calls = opts.info.calls.length;
    if (calls > maxCalls) throw new AppError('BATCH_TOO_LARGE', `At most ${maxCalls} calls per batch (this one has ${calls})`, { details: { maxCalls } });
    return createContext(opts);
  };
}
