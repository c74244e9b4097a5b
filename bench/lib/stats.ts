import type { BenchReport, Cell } from './harness';

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

const show = (cell: Cell | undefined): string => (cell === undefined ? '-' : String(cell));

/**
 * An aligned table for people, then one line of JSON (starting with `{"bench":`) for scripts:
 * `pnpm bench | grep '^{"bench"'`.
 */
export function printReport(report: BenchReport): void {
  const columns = [...new Set(report.rows.flatMap((row) => Object.keys(row)))];
  const widths = columns.map((column) => Math.max(column.length, ...report.rows.map((row) => show(row[column]).length)));
  // Figures are right-aligned (header included) so their digits line up.
  const numeric = columns.map((column) => report.rows.some((row) => typeof row[column] === 'number'));
  const line = (cells: Array<Cell | undefined>) =>
    cells
      .map((cell, i) => (numeric[i] ? show(cell).padStart(widths[i] ?? 0) : show(cell).padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();

  console.log(`\n== ${report.bench} ==`);
  console.log(line(columns));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of report.rows) console.log(line(columns.map((column) => row[column])));
  const factWidth = Math.max(0, ...Object.keys(report.facts).map((key) => key.length));
  for (const [key, value] of Object.entries(report.facts)) console.log(`${key.padEnd(factWidth)}  ${show(value)}`);
  for (const note of report.notes) console.log(`note: ${note}`);
  console.log(JSON.stringify({ bench: report.bench, rows: report.rows, facts: report.facts, notes: report.notes }));
}
