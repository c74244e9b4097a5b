export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Nearest-rank quantiles (q in 0..1, 1 = max) of durations in ms; Infinity (a result that never came) sorts last. */
export function quantiles(durationsMs: ArrayLike<number>, qs: readonly number[]): number[] {
  const sorted = Float64Array.from(durationsMs).sort();
  return qs.map((q) => round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN));
}

/** Nearest-rank percentiles of durations in ms (no interpolation: every figure was observed). */
export function percentiles(durationsMs: readonly number[]): Percentiles {
  const [p50 = Number.NaN, p90 = Number.NaN, p99 = Number.NaN, max = Number.NaN] = quantiles(durationsMs, [0.5, 0.9, 0.99, 1]);
  return { n: durationsMs.length, p50, p90, p99, max };
}

export const perSecond = (count: number, elapsedMs: number): number => round((count * 1000) / elapsedMs, 0);
export const megabytes = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** Raises on a wait that would otherwise hang the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
