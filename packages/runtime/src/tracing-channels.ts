import type { AsyncLocalStorage } from 'node:async_hooks';
import { tracingChannel } from 'node:diagnostics_channel';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { activeTracedSpan } from '@chorus/api';

/**
 * Child spans for database queries and Redis commands, from the tracing channels mysql2 and
 * ioredis publish (node:diagnostics_channel). Nothing is patched or loaded early, so it works
 * the same under tsx's ESM loader as anywhere, and the libraries skip the channels entirely
 * while nobody subscribes: tracing off costs them one check.
 *
 * A span is made only below a traced call (a recording span in the active context), with that
 * call's tracer. Attributes name the operation, never its values: no SQL text (scripts carry
 * escaped values inline), no Redis keys (some name sessions).
 */

interface QueryMessage {
  query?: string;
  database?: string;
  serverAddress?: string;
  serverPort?: number;
  error?: unknown;
}

interface RedisMessage {
  command?: string;
  batchMode?: string;
  batchSize?: number;
  database?: number;
  serverAddress?: string;
  serverPort?: number;
  error?: unknown;
}

type SpanOf<M> = (message: M, tracer: Tracer) => Span;

const sqlOperation = (query: string | undefined) => /^\s*([A-Za-z]{1,16})/.exec(query ?? '')?.[1]?.toUpperCase() ?? 'QUERY';

const querySpan: SpanOf<QueryMessage> = (message, tracer) => {
  const operation = sqlOperation(message.query);
  return tracer.startSpan(`${operation} ${message.database ?? ''}`.trim(), {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'mysql',
      'db.operation.name': operation,
      'db.namespace': message.database ?? '',
      ...server(message),
    },
  });
};

const redisSpan: SpanOf<RedisMessage> = (message, tracer) => {
  const operation = (message.command ?? message.batchMode ?? 'COMMAND').toUpperCase();
  return tracer.startSpan(operation, {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'redis',
      'db.operation.name': operation,
      'db.namespace': String(message.database ?? 0),
      ...(message.batchSize !== undefined ? { 'db.operation.batch.size': message.batchSize } : {}),
      ...server(message),
    },
  });
};

function server(message: { serverAddress?: string; serverPort?: number }) {
  return { 'server.address': message.serverAddress ?? '', ...(message.serverPort ? { 'server.port': message.serverPort } : {}) };
}

/** start/end/asyncEnd/error handlers that keep one span per traced operation. */
function handlers<M extends object & { error?: unknown }>(spanOf: SpanOf<M>) {
  const spans = new WeakMap<M, Span>();
  const finish = (message: M) => {
    const span = spans.get(message);
    if (!span) return;
    spans.delete(message);
    span.end();
  };
  return {
    start(message: unknown) {
      const traced = activeTracedSpan();
      if (traced) spans.set(message as M, spanOf(message as M, traced.tracer));
    },
    // Settled synchronously only when the operation threw at once; otherwise asyncEnd follows.
    end(message: unknown) {
      if ((message as M).error !== undefined) finish(message as M);
    },
    asyncStart() {},
    asyncEnd(message: unknown) {
      finish(message as M);
    },
    error(message: unknown) {
      spans.get(message as M)?.setStatus({ code: SpanStatusCode.ERROR, message: errorCode((message as M).error) });
    },
  };
}

/** A driver's error code (ER_DUP_ENTRY, a Redis reply's first word), never its message, which may quote values. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : '';
  return /^[A-Z]+\b/.exec(message)?.[0] ?? 'error';
}

const CHANNELS = [
  { name: 'mysql2:query', handlers: handlers(querySpan) },
  { name: 'mysql2:execute', handlers: handlers(querySpan) },
  { name: 'ioredis:command', handlers: handlers(redisSpan) },
  { name: 'ioredis:batch', handlers: handlers(redisSpan) },
];

/**
 * A query that finds every pool connection busy waits in the pool's queue, and its callback runs
 * when another query's connection is released: in that query's context. The pool's own channel
 * remembers the caller's context when it asks for a connection and restores it for the callback,
 * so the query's span lands under the call that made it.
 */
const POOL_CHANNEL = 'mysql2:pool:connect';
const callerContexts = new WeakMap<object, Context>();
const poolHandlers = {
  start(message: unknown) {
    callerContexts.set(message as object, context.active());
  },
  end() {},
  asyncStart() {},
  asyncEnd() {},
  error() {},
};

let subscribers = 0;
let boundStorage: AsyncLocalStorage<Context> | null = null;

/**
 * Subscribes the channels (once however many tracings run) and restores callers' contexts in
 * `storage`, the context manager's; the returned function undoes it.
 */
export function traceDatabaseAndRedis(storage: AsyncLocalStorage<Context>): () => void {
  if (subscribers++ === 0) {
    for (const channel of CHANNELS) tracingChannel(channel.name).subscribe(channel.handlers);
    const pool = tracingChannel(POOL_CHANNEL);
    pool.subscribe(poolHandlers);
    pool.asyncStart.bindStore(storage, (message) => callerContexts.get(message) ?? ROOT_CONTEXT);
    boundStorage = storage;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--subscribers > 0) return;
    for (const channel of CHANNELS) tracingChannel(channel.name).unsubscribe(channel.handlers);
    const pool = tracingChannel(POOL_CHANNEL);
    pool.unsubscribe(poolHandlers);
    if (boundStorage) pool.asyncStart.unbindStore(boundStorage);
    boundStorage = null;
  };
}
