export { appRouter, createCaller, type AppRouter } from './root';
export { createContextInner, createHttpContextFactory, createWsContextFactory, SESSION_COOKIE, type Context, type ContextOptions, type RequestInfo } from './context';
export { AppError, appErrorCodes, type AppErrorCode } from './errors';
export type { ChorusErrorData, ChorusErrorShape } from './error-formatter';
export { systemClock, type AppDeps, type Clock } from './deps';
export { createSession, validateSessionToken, sessionPolicy, type ValidSession, type SessionUser } from './auth/session.service';
