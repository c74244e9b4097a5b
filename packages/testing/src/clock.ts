import type { Clock } from '@chorus/api';

export interface ShiftableClock extends Clock {
  /** Moves this clock (not the machine's) forward. */
  advance(ms: number): void;
}

/** Real time plus an offset the test controls: for expiries without waiting. */
export function createShiftableClock(): ShiftableClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms) {
      offsetMs += ms;
    },
  };
}
