import { randomUUID } from 'node:crypto';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { Context } from './context';
import { formatError, findAppError } from './error-formatter';
import { AppError } from './errors';

export interface Meta {
  /** Short description for logs and docs. */
  description?: string;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
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
  if (result.ok) {
    ctx.deps.logger.info({ ...line, outcome: 'ok' }, 'call');
  } else {
    const appError = findAppError(result.error);
    const unexpected = !appError && result.error.code === 'INTERNAL_SERVER_ERROR';
    const outcome = appError?.code ?? result.error.code;
    if (unexpected) ctx.deps.logger.error({ ...line, outcome, err: result.error.cause ?? result.error }, 'call failed');
    else ctx.deps.logger.info({ ...line, outcome }, 'call');
  }
  return result;
});

export const publicProcedure = t.procedure.use(withRequestLog);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new AppError('UNAUTHORIZED', 'Sign in to do this');
  return next({ ctx: { session: ctx.session, user: ctx.session.user } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Administrators only');
  return next();
});
