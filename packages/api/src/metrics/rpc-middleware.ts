import type { Context } from '../context';
import type { TRPCError } from '@trpc/server';
import { outcomeOf } from '../call-outcome';
import { isAsyncIterable } from '../realtime/end-on-revocation';
import type { Metrics } from './metrics';

type Result = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/**
 * The body of the procedures' metrics middleware: times the call (a subscription: its setup),
 * labels it with the app error code the client sees, and counts the subscription as
 * running until its stream ends. Metrics off: just the call.
 */
export async function observeRpc<R extends Result>(
  ctx: Context,
  path: string,
  type: 'query' | 'mutation' | 'subscription',
  next: () => Promise<R>,
): Promise<R> {
  const metrics = ctx.deps.metrics;
  const transport = ctx.request.transport;
  // In-process calls (scripts, tests' callers) are not the service's traffic.
  if (!metrics.enabled || transport === 'internal') return next();
  const started = performance.now();
  const result = await next();
  metrics.rpcFinished(path, transport, type, outcomeOf(result), (performance.now() - started) / 1000);
  if (type === 'subscription' && result.ok && isAsyncIterable(result.data)) {
    return { ...result, data: countWhileRunning(result.data, path, metrics) };
  }
  return result;
}

/** The stream, counted in chorus_subscriptions from its first read until it ends. */
function countWhileRunning<T>(stream: AsyncIterable<T>, procedure: string, metrics: Metrics): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const inner = stream[Symbol.asyncIterator]();
      let running = true;
      metrics.subscriptionStarted(procedure);
      const end = () => {
        if (!running) return;
        running = false;
        metrics.subscriptionEnded(procedure);
      };
      const settle = (step: IteratorResult<T>) => {
        if (step.done) end();
        return step;
      };
      const fail = (error: unknown) => {
        end();
        throw error;
      };
      return {
        next: (...args: [] | [unknown]) => inner.next(...args).then(settle, fail),
        return: (value?: unknown) => {
          end();
          return inner.return ? inner.return(value).then(settle, fail) : Promise.resolve({ done: true, value: value as T });
        },
        throw: (error?: unknown) => {
          end();
          return inner.throw ? inner.throw(error) : Promise.reject(error instanceof Error ? error : new Error(String(error)));
        },
      } as AsyncIterator<T>;
    },
  };
}
