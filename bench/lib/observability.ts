// What `ping` and `fanout` compare: the same server with observability off, with metrics on and
// scraped every second, and with tracing at 10% sampling. Each mode is a Chorus instance of its
// own, forked (lib/observed-instance.ts) on the stack's database and Redis, so the three differ
// only in that setting: tracing patches modules process-wide, so it could not share a process
// with the others. Instances and their scraper and trace receiver run for the whole comparison;
// the benchmarks measure the modes in alternating windows, so drift (the rest of the machine)
// falls on all three alike.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { envList, envNumber, sized } from './env';
import { log, type BenchReport, type BenchStack, type Cell } from './harness';
import { listening, stopChild } from './load-process';
import { cpuTicks } from './process-cpu';

export type ObsMode = 'off' | 'metrics' | 'tracing';
export const OBS_MODES: readonly ObsMode[] = ['off', 'metrics', 'tracing'];
export const OBS_LABEL: Record<ObsMode, string> = {
  off: 'observability off',
  metrics: 'metrics on, scraped every 1 s',
  tracing: 'tracing, 10% sampled',
};
/** The goals: a mode's figure ÷ the figure with observability off. */
export const OBS_GOAL: Record<ObsMode, number> = { off: 1, metrics: 0.95, tracing: 0.9 };

export const OBS_CONFIG = {
  /** BENCH_OBS=0 skips the comparison, BENCH_OBS=only runs nothing else of ping and fanout. */
  enabled: process.env.BENCH_OBS !== '0',
  only: process.env.BENCH_OBS === 'only',
  /** BENCH_OBS_MODES=off,metrics: the modes compared (off is always among them). */
  modes: OBS_MODES.filter((mode) => mode === 'off' || (envList('BENCH_OBS_MODES')?.has(mode) ?? true)),
  rounds: Math.floor(envNumber('BENCH_OBS_ROUNDS', sized(5, 1))),
  windowMs: envNumber('BENCH_OBS_WINDOW_MS', sized(3000, 300)),
  scrapeEveryMs: 1000,
  tracingRatio: 0.1,
};

export interface ObsInstance {
  mode: ObsMode;
  /** http://127.0.0.1:PORT (public listener). */
  url: string;
  pid: number;
  /** CPU seconds the instance's process has used so far. */
  cpuSeconds(): number;
}

export interface ObsInstances {
  instances: ObsInstance[];
  /** Scrapes done / failed, bytes of the last one; spans exported and batches received. */
  facts(): Record<string, Cell>;
  stop(): Promise<void>;
}

/** A stand-in OTLP/HTTP collector: takes every export (POST /v1/traces), counts it and answers 200. */
async function startTraceSink(): Promise<{ url: string; batches: () => number; bytes: () => number; server: Server }> {
  let batches = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      batches++;
      // An empty ExportTraceServiceResponse: full success.
      const json = req.headers['content-type']?.includes('json') ?? false;
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batches: () => batches, bytes: () => bytes, server };
}

interface Ready {
  url: string;
  metricsUrl?: string;
}

function forkInstance(stack: BenchStack, mode: ObsMode, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(new URL('./observed-instance.ts', import.meta.url), [stack.databaseUrl, stack.redisUrl, mode], { env: { ...process.env, ...env } });
  return listening<Ready>(child, `${mode} instance`).then((ready) => ({ child, ready }));
}

/** Starts one instance per mode, the once-a-second scraper of the metrics one, and the trace sink. */
export async function startObsInstances(stack: BenchStack, modes: readonly ObsMode[] = OBS_CONFIG.modes): Promise<ObsInstances> {
  const sink = await startTraceSink();
  const children: ChildProcess[] = [];
  const instances: ObsInstance[] = [];
  let scraper: NodeJS.Timeout | undefined;
  const scrapes = { ok: 0, failed: 0, lastBytes: 0, ms: 0 };
  const stop = async () => {
    clearInterval(scraper);
    await Promise.all(children.map((child) => stopChild(child, () => child.send('stop'))));
    await new Promise((resolve) => sink.server.close(resolve));
  };
  try {
    for (const mode of modes) {
      // The standard OTEL_* variables: where to export, and a 10% ratio sampler honouring a parent's decision.
      const env: NodeJS.ProcessEnv =
        mode === 'tracing'
          ? {
              OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
              OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
              OTEL_TRACES_SAMPLER_ARG: String(OBS_CONFIG.tracingRatio),
            }
          : {};
      const { child, ready } = await forkInstance(stack, mode, env);
      children.push(child);
      const pid = child.pid ?? 0;
      instances.push({ mode, url: ready.url, pid, cpuSeconds: () => (cpuTicks(pid) ?? Number.NaN) / 100 });
      if (ready.metricsUrl) {
        const metricsUrl = ready.metricsUrl;
        // What Prometheus would do: GET /metrics once a second, the whole body read.
        scraper = setInterval(() => {
          const t0 = performance.now();
          fetch(metricsUrl)
            .then(async (response) => {
              const body = await response.text();
              if (!response.ok) throw new Error(`HTTP ${response.status}`);
              scrapes.ok++;
              scrapes.lastBytes = body.length;
              scrapes.ms += performance.now() - t0;
            })
            .catch(() => scrapes.failed++);
        }, OBS_CONFIG.scrapeEveryMs);
      }
      log(`observability: ${OBS_LABEL[mode]} instance listening on ${ready.url}${ready.metricsUrl ? `, metrics on ${ready.metricsUrl}` : ''}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    instances,
    facts: () => ({
      'observability: scrapes of the metrics instance ok / failed, size of the last, mean scrape ms': `${scrapes.ok} / ${scrapes.failed}, ${Math.round(scrapes.lastBytes / 1024)} KiB, ${scrapes.ok > 0 ? (scrapes.ms / scrapes.ok).toFixed(1) : '-'}`,
      'observability: trace exports received (batches / KiB)': `${sink.batches()} / ${Math.round(sink.bytes() / 1024)}`,
    }),
    stop,
  };
}

/** One measured window of one mode: how much work was done, and the instance's CPU over it. */
export interface ObsWindow {
  /** Completed operations (calls, messages) in the window. */
  count: number;
  elapsedMs: number;
  cpuSeconds: number;
  /** Latency samples (ms) of the window. */
  latencies: number[];
}

/**
 * Runs `window(instance)` for each mode in turn, `rounds` times, the order rotating each round so
 * no mode always follows the same one; sums each mode's windows.
 */
export async function alternate(
  instances: ObsInstance[],
  rounds: number,
  window: (instance: ObsInstance) => Promise<Omit<ObsWindow, 'cpuSeconds'> & { cpuSeconds?: number }>,
) {
  const totals = new Map<ObsMode, ObsWindow>(instances.map((instance) => [instance.mode, { count: 0, elapsedMs: 0, cpuSeconds: 0, latencies: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[(i + round) % instances.length]!;
      const cpu0 = instance.cpuSeconds();
      const result = await window(instance);
      const total = totals.get(instance.mode)!;
      total.count += result.count;
      total.elapsedMs += result.elapsedMs;
      // The window's own figure when it measured the instance between its marks, else all of the call.
      total.cpuSeconds += result.cpuSeconds ?? instance.cpuSeconds() - cpu0;
      for (const latency of result.latencies) total.latencies.push(latency);
    }
  }
  return totals;
}

/** "0.97× (goal ≥ 0.95×, met)" for each mode against off, from a figure per mode (higher is better). */
export function ratioFacts(what: string, figures: Map<ObsMode, number>): Record<string, Cell> {
  const off = figures.get('off');
  const facts: Record<string, Cell> = {};
  for (const [mode, value] of figures) {
    if (mode === 'off' || off === undefined || !(off > 0)) continue;
    const ratio = value / off;
    facts[`${what}: ${OBS_LABEL[mode]} ÷ off`] = `${ratio.toFixed(3)}× (goal ≥ ${OBS_GOAL[mode]}×, ${ratio >= OBS_GOAL[mode] ? 'met' : 'MISSED'})`;
  }
  return facts;
}

/** Adds the comparison's rows, facts and notes to a benchmark's own. */
export function appendReport(report: Pick<BenchReport, 'rows' | 'facts' | 'notes'>, part: Pick<BenchReport, 'rows' | 'facts' | 'notes'>): void {
  report.rows.push(...part.rows);
  Object.assign(report.facts, part.facts);
  report.notes.push(...part.notes);
}
