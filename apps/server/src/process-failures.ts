import type { Logger } from 'pino';

/**
 * What the server process does with a failure nobody handled (decision 0067).
 *
 * A rejected promise nobody observes (a fire-and-forget Redis command failing during a
 * failover, a library's internal call) left no caller waiting on it: whatever code would have
 * depended on the result is not running. It is logged at error, with its stack, and the process
 * keeps serving. Exiting instead (Node's default) would drop every WebSocket of the instance at
 * the moment Redis is least able to take the reconnect storm that follows, for a failure that
 * had no one to harm.
 *
 * An exception thrown out of a callback is different: it left a function half-run, with its
 * state (a lane, a lock, a counter) possibly inconsistent. It is logged at fatal and the
 * process exits with 1, so the supervisor restarts a clean one.
 */
export function handleProcessFailures(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  process.on('uncaughtException', (error: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
    logger.fatal({ err: error, origin }, 'uncaught exception; exiting');
    logger.flush();
    exit(1);
  });
}
