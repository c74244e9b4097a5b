import type { Logger } from 'pino';

/**
 * How long a shutdown step after the HTTP drain may take. Stopping jobs and services waits for
 * work in flight, and that work may wait on a Redis or database that is gone (a cluster's
 * commands wait for it to come back); past this the next step runs anyway, and closing the
 * infrastructure disconnects Redis, which fails those commands.
 */
export const SHUTDOWN_STEP_MS = 2000;

/** Waits for `step` at most `ms`; a step that fails or overruns is logged, never thrown. */
export async function closeWithin(logger: Logger, name: string, step: Promise<unknown>, ms = SHUTDOWN_STEP_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<'overrun'>((resolve) => (timer = setTimeout(() => resolve('overrun'), ms)));
  try {
    const outcome = await Promise.race([step, overrun]);
    if (outcome === 'overrun') logger.warn({ step: name, ms }, 'shutdown step did not finish in time; going on');
  } catch (error) {
    logger.error({ err: error, step: name }, 'shutdown step failed');
  } finally {
    clearTimeout(timer);
  }
}
