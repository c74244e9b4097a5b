import { log } from './harness';
import { otherBusy, type CpuSampler } from './process-cpu';

export interface QuietMachineSettings {
  /** Wait for nothing (smoke runs). */
  skip: boolean;
  /** The rest of the machine is quiet below this share of one core, in %. */
  maxPercent: number;
  /** At most this long before one step. */
  perStepMs: number;
  /** At most this long over the whole run; unset: no limit. */
  totalMs?: number;
}

/**
 * Waits a little before a step for a busy machine (a test suite beside us) to calm down; gives
 * up after the step's budget, and for good once the run's total budget is spent. `name` starts
 * the log line of a wait.
 */
export function quietMachineWaiter(cpu: CpuSampler, settings: QuietMachineSettings): { quietMachine: (name: string) => Promise<void>; waitedMs: () => number } {
  let quietWaitedMs = 0;
  const totalMs = settings.totalMs ?? Number.POSITIVE_INFINITY;
  return {
    waitedMs: () => quietWaitedMs,
    quietMachine: async (name: string): Promise<void> => {
      if (settings.skip) return;
      const ours = [...cpu.pids.values()];
      const started = performance.now();
      let busy = await otherBusy(ours, 500);
      while (
        busy !== undefined &&
        busy > settings.maxPercent &&
        performance.now() - started < settings.perStepMs &&
        quietWaitedMs + (performance.now() - started) < totalMs
      ) {
        busy = await otherBusy(ours, 1000);
      }
      const waited = performance.now() - started - 500;
      if (waited > 0) {
        quietWaitedMs += waited;
        log(`${name}: waited ${(waited / 1000).toFixed(1)} s for other processes (now ${Math.round(busy ?? 0)}% of a core)`);
      }
    },
  };
}
