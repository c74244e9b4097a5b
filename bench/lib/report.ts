// A benchmark's report: an aligned table for people, one line of JSON for scripts, and the same
// figures in a JSON file (BENCH_OUT, default .data/bench/results) for comparing runs later.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { smoke } from './env';
import type { BenchReport, Cell } from './harness';
import { repoRoot } from './workspace';

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

/** The commit the run measured (with `+dirty` when the tree had changes), or '-' outside a git checkout. */
function commitOf(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : ''}`;
  } catch {
    return '-';
  }
}

/**
 * Writes the report's figures to `<BENCH_OUT>/<bench>-<time>.json` (BENCH_OUT defaults to
 * .data/bench/results), with when, where and on which commit they were measured; returns the path.
 */
export function writeReport(report: BenchReport, startedAt: Date): string {
  const dir = process.env.BENCH_OUT || join(repoRoot, '.data', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${report.bench}-${stamp}${smoke ? '-smoke' : ''}.json`);
  const record = {
    bench: report.bench,
    mode: smoke ? 'smoke' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: commitOf(),
    machine: { cores: availableParallelism(), loadAverage: loadavg().map((n) => Number(n.toFixed(2))), node: process.version },
    rows: report.rows,
    facts: report.facts,
    notes: report.notes,
  };
  // Infinity (a result that never came) has no JSON form: it is written as null.
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
