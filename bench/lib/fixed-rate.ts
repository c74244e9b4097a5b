// Open-loop sending for the load processes (fanout/load.ts, rooms/load.ts; soak and storm send
// with sendUntilStopped): item k is due at
// start + k × period whatever the server does, so a slow server meets the same offered load. The
// measured window is items [kStart, kEnd); the parent process is told when it starts and ends,
// and samples the machine's CPU between the two marks.
import { performance } from 'node:perf_hooks';
import type { LoadMessage } from './load-process';

/** Wall clock in ms with sub-ms resolution, comparable between a load process's own sends and receives. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export interface FixedRate {
  /** Items per second. */
  rate: number;
  warmupMs: number;
  windowMs: number;
  /** Sending goes on this long after the window, unmeasured. */
  tailMs: number;
}

export interface FixedRatePlan {
  period: number;
  /** The window's first item and the first after it. */
  kStart: number;
  kEnd: number;
  total: number;
}

export function planOf(spec: FixedRate): FixedRatePlan {
  const period = 1000 / spec.rate;
  return {
    period,
    kStart: Math.ceil(spec.warmupMs / period),
    kEnd: Math.ceil((spec.warmupMs + spec.windowMs) / period),
    total: Math.ceil((spec.warmupMs + spec.windowMs + spec.tailMs) / period),
  };
}

/**
 * Calls `dispatch(k)` for item k = 0, 1, … at `ratePerS` from now on, until stopped: item k is
 * due at k ÷ rate seconds, and items found due (checked every 10 ms) go at once. The open-loop
 * sender of the runs that measure no window of their own (soak/load.ts, storm/load.ts).
 */
export function sendUntilStopped(ratePerS: number, dispatch: (k: number) => void): { stop(): void } {
  const start = nowMs();
  let k = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((nowMs() - start) * ratePerS) / 1000);
    for (; k < due; k++) dispatch(k);
  }, 10);
  return { stop: () => clearInterval(timer) };
}

/** Tells the parent process that the measured window starts or ends. */
export const mark = (which: 'window-start' | 'window-end') => process.send?.({ mark: which } satisfies LoadMessage);

/**
 * Calls `dispatch(k, scheduledAt)` for every item when it is due, checking every millisecond.
 * Resolves after the last one with this process's event-loop utilization over the window and
 * the worst lateness of an item, in ms.
 */
export async function sendAtFixedRate(plan: FixedRatePlan, dispatch: (k: number, scheduledAt: number) => void): Promise<{ elu: number; lagMs: number }> {
  let eluStart = performance.eventLoopUtilization();
  let elu = 0;
  let lagMs = 0;
  let windowEnded = false;
  const endWindow = () => {
    if (windowEnded) return;
    windowEnded = true;
    elu = performance.eventLoopUtilization(eluStart).utilization;
    mark('window-end');
  };
  const start = nowMs() + 5;
  let k = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowMs();
      const due = Math.min(plan.total, Math.floor((now - start) / plan.period) + 1);
      if (k < due) lagMs = Math.max(lagMs, now - (start + k * plan.period));
      while (k < due) {
        if (k === plan.kStart) {
          eluStart = performance.eventLoopUtilization();
          mark('window-start');
        }
        if (k === plan.kEnd) endWindow();
        dispatch(k, start + k * plan.period);
        k++;
      }
      if (k >= plan.total) {
        clearInterval(timer);
        // At a low rate the window may close with the last item.
        endWindow();
        resolve();
      }
    }, 1);
  });
  return { elu, lagMs };
}
