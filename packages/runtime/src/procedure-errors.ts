import { AppError, isRedisUnavailable, type Context } from '@chorus/api';
import { isBusy } from '@chorus/db';
import type { TRPCError } from '@trpc/server';
import type { Logger } from 'pino';

/**
 * Unexpected failures are logged with their cause; expected ones (bad input, app errors) are
 * already in the per-call log line, and a client's malformed frames are only worth debug.
 */
export function logProcedureError(logger: Logger, opts: { error: TRPCError; path: string | undefined; type: string; ctx: Context | undefined }): void {
  const { error, path, type, ctx } = opts;
  const fields = { requestId: ctx?.request.requestId ?? null, procedure: path ?? null, type, code: error.code };
  if (error.code === 'INTERNAL_SERVER_ERROR' && isBusy(error.cause)) {
    // Answered UNAVAILABLE with retryAfter (a database node gone, conflicts past the retries).
    logger.warn({ ...fields, err: error.cause }, 'database unavailable');
  } else if (error.code === 'INTERNAL_SERVER_ERROR' && isRedisUnavailable(error.cause)) {
    // Answered UNAVAILABLE with retryAfter (a Redis failover, a cluster slot without a primary).
    logger.warn({ ...fields, err: error.cause }, 'redis unavailable');
  } else if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof AppError)) {
    logger.error({ ...fields, err: error.cause ?? error }, 'unexpected error');
  } else {
    logger.debug({ ...fields, message: error.message }, 'request rejected');
  }
}
