import { authRouter } from './auth/auth.router';
import { systemRouter } from './system/system.router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (scripts, tests) with a context built by `createContextInner`. */
export const createCaller = createCallerFactory(appRouter);
