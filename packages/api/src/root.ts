import { createCallerFactory, router } from './trpc';
import { systemRouter } from './system/system.router';

export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (scripts, tests) with a context built by `createContextInner`. */
export const createCaller = createCallerFactory(appRouter);
