import type { TRPCError } from '@trpc/server';
import { findAppError } from './error-formatter';
import { appCodeForTrpcCode, type AppErrorCode } from './errors';

/** What a procedure's middleware chain returns. */
export type CallResult = { ok: true } | { ok: false; error: TRPCError };

/**
 * A call's outcome as the client sees it: `ok`, or the app error code its error carries
 * (`error.data.appCode`): an AppError's own code, else the one its tRPC code maps to (an
 * unexpected exception is `INTERNAL`). One definition for the span, the metric and the log line,
 * so the three agree; bounded, unlike messages.
 */
export function outcomeOf(result: CallResult): 'ok' | AppErrorCode {
  if (result.ok) return 'ok';
  return findAppError(result.error)?.code ?? appCodeForTrpcCode(result.error.code);
}
