// Entry for `pnpm bench [name...]`: starts one stack, runs the named benchmarks (default: all)
// one after another against it, prints each report, tears the stack down.
import { ai } from './ai';
import { auth } from './auth';
import { fanout } from './fanout';
import { files } from './files';
import { log, startBenchStack, type Benchmark, type BenchStack } from './harness';
import { ping } from './ping';
import { rooms } from './rooms';
import { printReport } from './stats';

/** Every benchmark, by its CLI name. A new one is a module exporting a `Benchmark`, added here. */
const benchmarks = new Map<string, Benchmark>([
  ['ping', ping],
  ['auth', auth],
  ['fanout', fanout],
  ['rooms', rooms],
  ['ai', ai],
  ['files', files],
]);

// `pnpm bench -- ping` forwards the separator too.
const requested = process.argv.slice(2).filter((arg) => arg !== '--');
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
stack = await startBenchStack();
let failed = 0;
try {
  for (const name of selected) {
    const benchmark = benchmarks.get(name);
    if (!benchmark) continue;
    const t0 = performance.now();
    try {
      printReport(await benchmark(stack));
      log(`${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed++;
      // Calls cut off by our own shutdown are not a finding.
      if (!interrupted) console.error(`benchmark ${name} failed:`, error);
    }
  }
} finally {
  await stack.stop();
}
log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
// Keep-alive sockets and timers of the libraries must not hold a finished run open.
process.exit(failed > 0 ? 1 : 0);
