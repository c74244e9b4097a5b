// Leaf types and values that services, realtime and the dependency aggregate all build on.
// It imports nothing from the rest of this package, so anything may import it.
import type { Db } from '@chorus/db';

/** Wall-clock source; injected so tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A Drizzle database or an open transaction on it: services accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];
