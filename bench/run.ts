// Entry for `pnpm bench [--smoke] [name...]`: starts one stack, runs the named benchmarks (default:
// all) one after another against it, prints each report and writes it as JSON, tears the stack down. Exits non-zero
// when a benchmark throws or reports no rows.
import { ai } from './ai/index';
import { auth } from './auth/index';
import { fanout } from './fanout/index';
import { files } from './files/index';
import { idle } from './idle/index';
import { smoke } from './lib/env';
import { log, startBenchStack, type Benchmark, type BenchStack } from './lib/harness';
import { ping } from './ping/index';
import { push } from './push/index';
import { rooms } from './rooms/index';
import { search } from './search/index';
import { soak } from './soak/index';
import { storm } from './storm/index';
import { printReport, writeReport } from './lib/report';

/** Every benchmark, by its CLI name. A new one is a module exporting a `Benchmark`, added here. */
const benchmarks = new Map<string, Benchmark>([
  ['ping', ping],
  ['auth', auth],
  ['fanout', fanout],
  ['rooms', rooms],
  ['ai', ai],
  ['files', files],
  ['search', search],
  ['push', push],
  ['storm', storm],
  ['idle', idle],
  ['soak', soak],
]);

// `pnpm bench -- ping` forwards the separator too; --smoke is read by lib/env.ts.
const requested = process.argv.slice(2).filter((arg) => arg !== '--' && arg !== '--smoke');
const unknown = requested.filter((name) => !benchmarks.has(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${[...benchmarks.keys()].join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? [...new Set(requested)] : [...benchmarks.keys()];

// eslint-disable-next-line prefer-const -- the signal handlers below read it before the stack has started
let stack: BenchStack | undefined;
let interrupted = false;
// Ctrl-C must not leave MariaDB/Redis and their data dir behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping`);
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const startedAt = performance.now();
if (smoke) log(`smoke run: tiny sizes and short windows, the figures mean nothing`);
stack = await startBenchStack();
const failed: string[] = [];
try {
  for (const name of selected) {
    const benchmark = benchmarks.get(name);
    if (!benchmark) continue;
    const t0 = performance.now();
    const started = new Date();
    try {
      const report = await benchmark(stack);
      printReport(report);
      log(`${name}: figures written to ${writeReport(report, started)}`);
      // A benchmark that ends without a figure is broken (what a smoke run checks: it asserts nothing about speed).
      if (report.rows.length === 0) throw new Error(`${name} reported no rows`);
      log(`${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed.push(name);
      // Calls cut off by our own shutdown are not a finding.
      if (!interrupted) console.error(`benchmark ${name} failed:`, error);
    }
  }
} finally {
  await stack.stop();
}
log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s${failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''}`);
// Keep-alive sockets and timers of the libraries must not hold a finished run open.
process.exit(failed.length > 0 ? 1 : 0);
