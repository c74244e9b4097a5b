import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODE_NUMBER } from '@trpc/server';
import { z } from 'zod';
import { isBusy } from '@chorus/db';
import { unavailableFrom } from './db-errors';
import { isRedisUnavailable } from './redis-errors';
import { AppError, appCodeForTrpcCode, trpcCodeOf, type AppErrorCode } from './errors';

/** What `error.data` holds on every error a client receives. */
export interface ChorusErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string;
  appCode: AppErrorCode;
  /** Seconds to wait before retrying, when the server knows. */
  retryAfter: number | null;
  /** Field-by-field input problems, when the input failed validation. */
  zodError: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
  details: Record<string, unknown> | null;
}

export interface ChorusErrorShape {
  message: string;
  code: TRPC_ERROR_CODE_NUMBER;
  data: ChorusErrorData;
}

const INTERNAL_MESSAGE = 'Internal server error';

/**
 * What a client reads when tRPC turned an exception of its own or of a library (the transformer,
 * a body parser) into an error: that exception's message may describe internals (a stack
 * overflow in deserialization, a parser's position), so a fixed one goes out instead.
 */
const FIXED_MESSAGES: Partial<Record<TRPC_ERROR_CODE_KEY, string>> = {
  PARSE_ERROR: 'The request could not be parsed',
  BAD_REQUEST: 'The request is not valid',
};
const FALLBACK_MESSAGE = 'The request could not be handled';

/**
 * Turns any error into the public shape. Services throw `AppError`, which tRPC wraps as an
 * internal error: unwrap it to its own code. Anything else unexpected loses its message, and so
 * does any error whose message is that of an exception other than a zod error, so no internals
 * reach a client (the server logs the cause).
 */
export function formatError(error: TRPCError, path: string | undefined): ChorusErrorShape {
  const appError = findAppError(error);
  const trpcCode = appError ? trpcCodeOf(appError.code) : error.code;
  const zodError = error.cause instanceof z.ZodError ? z.flattenError(error.cause) : null;
  const exposeMessage = appError !== null || (trpcCode !== 'INTERNAL_SERVER_ERROR' && !borrowsInternalMessage(error));
  const data: ChorusErrorData = {
    code: trpcCode,
    httpStatus: getHTTPStatusCodeFromError(new TRPCError({ code: trpcCode })),
    appCode: appError?.code ?? appCodeForTrpcCode(trpcCode),
    retryAfter: appError?.retryAfter ?? null,
    zodError,
    details: appError?.details ?? null,
  };
  if (path !== undefined) data.path = path;
  return {
    message: appError?.message ?? (exposeMessage ? error.message : fixedMessage(trpcCode)),
    code: TRPC_ERROR_CODES_BY_KEY[trpcCode],
    data,
  };
}

/** tRPC takes its cause's message when it was given none of its own: true when that cause is internal. */
function borrowsInternalMessage(error: TRPCError): boolean {
  const cause = error.cause;
  return cause !== undefined && !(cause instanceof z.ZodError) && error.message === cause.message;
}

function fixedMessage(code: TRPC_ERROR_CODE_KEY): string {
  if (code === 'INTERNAL_SERVER_ERROR') return INTERNAL_MESSAGE;
  return FIXED_MESSAGES[code] ?? FALLBACK_MESSAGE;
}

export function findAppError(error: TRPCError): AppError | null {
  if (error.cause instanceof AppError) return error.cause;
  // A transaction that could not commit now (conflicts past the retries), or a query whose
  // database connection broke (a cluster node gone): the client may retry.
  // Likewise a Redis command that met a failover or a cluster without a primary for its slot.
  if (isBusy(error.cause) || isRedisUnavailable(error.cause)) return unavailableFrom(error.cause);
  return null;
}
