import { randomUUID } from 'node:crypto';
import { initTRPC } from '@trpc/server';
import type { Context } from './context';
import { formatError, findAppError } from './error-formatter';
import { webSocketSessionLive } from './auth/session-management';
import { AppError } from './errors';
import { endOnRevocation, isAsyncIterable } from './realtime/end-on-revocation';
import { observeRpc } from './metrics/rpc-middleware';
import { chorusTransformer } from '@chorus/transport';
import { traceCall } from './tracing/call-span';
import { outcomeOf } from './call-outcome';

export interface Meta {
  /** Short description for logs and docs. */
  description?: string;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // superjson; an event delivered to many subscribers is serialized once (see @chorus/transport).
    transformer: chorusTransformer,
    // Stacks stay in the server log; clients never see them.
    isDev: false,
    errorFormatter: ({ error, path }) => formatError(error, path),
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * Gives every call its own request id (HTTP calls of one batch share their request's id;
 * WebSocket calls get a fresh one each) and writes one log line per call.
 */
const withRequestLog = t.middleware(async ({ ctx, path, type, next }) => {
  const requestId = ctx.request.transport === 'ws' ? `${ctx.request.requestId.slice(0, 8)}-${randomUUID().slice(0, 8)}` : ctx.request.requestId;
  const started = performance.now();
  const result = await next({ ctx: { requestId } });
  const line = {
    requestId,
    procedure: path,
    type,
    transport: ctx.request.transport,
    userId: ctx.session?.userId ?? null,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  };
  const outcome = outcomeOf(result);
  const unexpected = !result.ok && !findAppError(result.error) && result.error.code === 'INTERNAL_SERVER_ERROR';
  if (unexpected) ctx.deps.logger.error({ ...line, outcome, err: result.error.cause ?? result.error }, 'call failed');
  else ctx.deps.logger.info({ ...line, outcome }, 'call');
  return result;
});

// The call's span first, so its log line and its metrics observation run inside it.
export const publicProcedure = t.procedure
  .use(traceCall)
  .use(withRequestLog)
  .use(({ ctx, path, type, next }) => observeRpc(ctx, path, type, next));

/**
 * Requires a live session. A WebSocket's session was resolved when it connected and is watched
 * for revocation since, so each call on it checks that watch (and, near the session's expiry,
 * the database); a subscription ends with UNAUTHORIZED the moment its session is revoked (on
 * any instance). After a mutation the primary's position is remembered for the caller's reads
 * from a replica (replica/read-db.ts).
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, type, next }) => {
  const session = ctx.session;
  if (!session) throw new AppError('UNAUTHORIZED', 'Sign in to do this');
  if (ctx.request.transport === 'ws' && !(await webSocketSessionLive(ctx.deps, session, ctx.sessionRevoked))) {
    throw new AppError('UNAUTHORIZED', 'Your session has ended');
  }
  const result = await next({ ctx: { session, user: session.user } });
  // Whatever the outcome, a mutation may have committed: the caller's next reads must see it.
  if (type === 'mutation') await ctx.deps.readDb.wrote(session.user.id);
  if (type === 'subscription' && result.ok && isAsyncIterable(result.data)) {
    // On a WebSocket the connection already watches its session: its signal serves every subscription of it.
    const watch = ctx.sessionRevoked ? { signal: ctx.sessionRevoked, release: releasedWithSocket } : ctx.deps.revocations.watch(session.id);
    return { ...result, data: endOnRevocation(result.data, watch) };
  }
  return result;
});

/** A connection's watch is released when its socket closes, not by one of its subscriptions. */
function releasedWithSocket(): void {}

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Administrators only');
  return next();
});

/** Requires a full account: guests may chat but not, e.g., create rooms or AI configs. */
export const accountProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.isGuest) throw new AppError('ACCOUNT_REQUIRED', 'Create an account to do this');
  return next();
});
