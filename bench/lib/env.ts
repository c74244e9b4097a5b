// Benchmark settings from the environment; each benchmark's variables are listed in bench/README.md.

// `pnpm bench --smoke`: kept in the environment, so the processes the benchmarks fork see it too.
if (process.argv.includes('--smoke')) process.env.BENCH_SMOKE = '1';

/**
 * Smoke mode: every benchmark at tiny sizes for a few seconds, to show that it still runs end to
 * end and reports its figures. The figures themselves mean nothing.
 */
export const smoke = process.env.BENCH_SMOKE === '1';

/** `full` in a real run, `small` in smoke mode. */
export const sized = <T>(full: T, small: T): T => (smoke ? small : full);

/** A positive number from the environment, or `fallback`. */
export const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** A comma list from the environment, or null (= everything). */
export const envList = (name: string): Set<string> | null => {
  const raw = process.env[name]?.trim();
  return raw ? new Set(raw.split(',').map((item) => item.trim())) : null;
};

/** BENCH_CHORUS_CALLS=http: Chorus clients send their calls over HTTP instead of their socket. */
export const chorusCallsFromEnv = (): ChorusCalls => (process.env.BENCH_CHORUS_CALLS === 'http' ? 'http' : 'websocket');

/** How Chorus clients send their calls: on their socket (as @chorus/client with `calls: 'websocket'`) or over HTTP. */
export type ChorusCalls = 'websocket' | 'http';
