import { TRPCClientError } from '@trpc/client';
import type { AppErrorCode, AppRouter } from './types';

export type ChorusClientError = TRPCClientError<AppRouter>;

/** Narrows an unknown error to a Chorus error, optionally with a given `appCode`. */
export function isChorusError(error: unknown, appCode?: AppErrorCode): error is ChorusClientError {
  if (!(error instanceof TRPCClientError)) return false;
  return appCode === undefined || (error as ChorusClientError).data?.appCode === appCode;
}

/** The typed `appCode` of an error thrown by a Chorus call, or null for other errors. */
export function appCodeOf(error: unknown): AppErrorCode | null {
  return isChorusError(error) ? (error.data?.appCode ?? null) : null;
}
