import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../kernel';
import type { TClockInput, TClockTick, TPingOutput } from './system.schema';

export function ping(deps: { clock: Clock }, requestId: string): TPingOutput {
  return { time: deps.clock.now(), requestId };
}

/** Yields the server time at once and then every `intervalMs` until `signal` aborts. */
export async function* clockTicks(deps: { clock: Clock }, input: TClockInput, signal: AbortSignal | undefined): AsyncGenerator<TClockTick> {
  while (!signal?.aborted) {
    yield { time: deps.clock.now() };
    try {
      await sleep(input.intervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}
