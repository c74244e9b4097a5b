// A vitest reporter that prints where each test file's time went, slowest first:
//
//   node scripts/bootstrap.mjs vitest run --reporter=default --reporter=./packages/testing/src/file-times-reporter.ts <files>
//
// import = loading the file and its imports (vitest's "import" total), tests = its tests and hooks.
// With `--experimental.importDurations.limit=N` it also lists the N slowest imports of each file
// (module, total ms including what it imports). VITEST_FILE_TIMES=<path> also writes the figures as JSON.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface FileTimes {
  project: string;
  file: string;
  prepareMs: number;
  importMs: number;
  testsMs: number;
  slowestImports: Array<{ module: string; totalMs: number; external: boolean }>;
}

const ms = (value: number) => Math.round(value);

export default class FileTimesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const root = process.cwd();
    const rows: FileTimes[] = testModules.map((module) => {
      const diagnostic = module.diagnostic();
      const slowestImports = Object.entries(diagnostic.importDurations)
        .map(([id, duration]) => ({ module: relative(root, id), totalMs: ms(duration.totalTime), external: Boolean(duration.external) }))
        .sort((a, b) => b.totalMs - a.totalMs);
      return {
        project: module.project.name,
        file: relative(root, module.moduleId),
        prepareMs: ms(diagnostic.prepareDuration),
        importMs: ms(diagnostic.collectDuration),
        testsMs: ms(diagnostic.duration),
        slowestImports,
      };
    });
    rows.sort((a, b) => b.importMs + b.testsMs - (a.importMs + a.testsMs));
    const lines = rows.map((row) => {
      const head = `${String(row.importMs).padStart(7)} ${String(row.testsMs).padStart(8)}  ${row.project.padEnd(13)} ${row.file}`;
      const imports = row.slowestImports.map(
        (entry) => `${' '.repeat(18)}↳ ${String(entry.totalMs).padStart(6)} ${entry.module}${entry.external ? ' (external)' : ''}`,
      );
      return [head, ...imports].join('\n');
    });
    const sum = (pick: (row: FileTimes) => number) => rows.reduce((total, row) => total + pick(row), 0);
    console.log(`\n${'import'.padStart(7)} ${'tests'.padStart(8)}  (ms)\n${lines.join('\n')}`);
    console.log(`${String(sum((row) => row.importMs)).padStart(7)} ${String(sum((row) => row.testsMs)).padStart(8)}  total of ${rows.length} files`);
    const out = process.env.VITEST_FILE_TIMES;
    if (out) writeFileSync(out, JSON.stringify(rows, null, 2));
  }
}
