import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * Every failure a client may branch on, and the tRPC code it travels as. Clients read
 * `error.data.appCode` (typed by `AppErrorCode`), never the message.
 */
export const appErrorCodes = {
  BAD_INPUT: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An HTTP batch with more calls than the server takes at once; `details.maxCalls` says how many. */
  BATCH_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  // Accounts
  EMAIL_TAKEN: 'CONFLICT',
  USERNAME_TAKEN: 'CONFLICT',
  PHONE_TAKEN: 'CONFLICT',
  INVALID_CODE: 'BAD_REQUEST',
  CODE_EXPIRED: 'BAD_REQUEST',
  EMAIL_NOT_VERIFIED: 'FORBIDDEN',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  USER_BANNED: 'FORBIDDEN',
  /** Guests may chat, but this needs a full (verified) account. */
  ACCOUNT_REQUIRED: 'FORBIDDEN',
  // Chat
  /** The conversation has as many pins as it may hold; `details.max` says how many. */
  PIN_LIMIT_REACHED: 'CONFLICT',
  // Rooms
  ROOM_FULL: 'CONFLICT',
  ROOM_BANNED: 'FORBIDDEN',
  ALREADY_MEMBER: 'CONFLICT',
  /** The room takes members through applications (rooms.apply). */
  APPROVAL_REQUIRED: 'FORBIDDEN',
  /** The room takes members through invitations only. */
  INVITE_REQUIRED: 'FORBIDDEN',
  /** The owner must transfer ownership or dissolve the room before leaving. */
  OWNER_MUST_TRANSFER: 'CONFLICT',
  SYNC_DISABLED: 'PRECONDITION_FAILED',
  NO_MEDIA: 'PRECONDITION_FAILED',
  // AI
  /** No provider is configured for the user (neither theirs nor a system provider). */
  AI_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  /** The provider refused or failed; `details.reason` says how (never its body). */
  AI_PROVIDER_ERROR: 'BAD_GATEWAY',
  /** The message is still being generated: stop it first. */
  GENERATION_RUNNING: 'CONFLICT',
  // Files
  /** The file is larger than the per-file limit. */
  FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The upload would take the user past their storage quota. */
  QUOTA_EXCEEDED: 'PAYLOAD_TOO_LARGE',
  /** The upload has not finished yet. */
  FILE_NOT_READY: 'PRECONDITION_FAILED',
  /** The file is not of a kind this use accepts (e.g. an avatar that is not an image). */
  UNSUPPORTED_FILE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The file is still in use (a current avatar) and cannot be deleted; `details.usedBy` says where. */
  FILE_IN_USE: 'CONFLICT',
  // Calls
  /** Only friends (or members of a shared conversation, if allowed) may call; never when blocked. */
  CALL_NOT_ALLOWED: 'FORBIDDEN',
  /** The callee is already in a call. */
  CALLEE_BUSY: 'CONFLICT',
  /** The call is not in a state that allows this (e.g. accepting a call that has ended). */
  CALL_STATE: 'CONFLICT',
} as const satisfies Record<string, TRPC_ERROR_CODE_KEY>;

export type AppErrorCode = keyof typeof appErrorCodes;

export interface AppErrorOptions {
  /** Seconds after which the same call may succeed (rate limits, cooldowns). */
  retryAfter?: number;
  /** Extra machine-readable facts safe to show the caller. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type services throw. Its message is shown to the caller: keep it safe. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly retryAfter: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }
}

export function trpcCodeOf(code: AppErrorCode): TRPC_ERROR_CODE_KEY {
  return appErrorCodes[code];
}

/** The app code for errors tRPC raises itself (bad JSON, unknown procedure, invalid input). */
export function appCodeForTrpcCode(code: TRPC_ERROR_CODE_KEY): AppErrorCode {
  switch (code) {
    case 'PARSE_ERROR':
    case 'BAD_REQUEST':
    case 'UNPROCESSABLE_CONTENT':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'METHOD_NOT_SUPPORTED':
      return 'BAD_INPUT';
    case 'UNAUTHORIZED':
      return 'UNAUTHORIZED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'CONFLICT':
      return 'CONFLICT';
    case 'PAYLOAD_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'TOO_MANY_REQUESTS':
      return 'RATE_LIMITED';
    case 'SERVICE_UNAVAILABLE':
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}
