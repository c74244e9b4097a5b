import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBinaries, findPrometheusBinaries } from './binaries.js';
import type { Log } from './binaries.js';
import { LOOPBACK, sleep } from './ports.js';
import { startService } from './service.js';
import type { LocalService } from './service.js';

export interface PrometheusOptions {
  /** Data, config and log live in `<dataDir>/prometheus*`; the TSDB starts empty on every start. */
  dataDir: string;
  /** Scrape URLs, e.g. http://127.0.0.1:9464/metrics; all in one job, each its own `instance`. */
  targets: string[];
  /** Scrape and rule evaluation interval (Prometheus takes whole milliseconds). */
  scrapeIntervalMs: number;
  /** Rule files (alerting/recording) loaded at start; absolute or relative to the cwd. */
  ruleFiles?: string[];
  /** The `job` label of the targets (default `chorus`). */
  job?: string;
  log?: Log;
}

/** One sample of an instant vector. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PromRule {
  name: string;
  type: 'alerting' | 'recording';
  health: string;
  query: string;
  lastError?: string;
  state?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PromRuleGroup {
  name: string;
  file: string;
  rules: PromRule[];
}

export interface PromTarget {
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  labels: Record<string, string>;
  lastError: string;
}

export interface PrometheusService extends LocalService {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Instant query (/api/v1/query) evaluated now; scalars and strings come back as one sample without labels. */
  query(promql: string): Promise<PromSample[]>;
  /** Loaded rule groups with each rule's health (/api/v1/rules). */
  rules(): Promise<PromRuleGroup[]>;
  /** Active scrape targets (/api/v1/targets). */
  targets(): Promise<PromTarget[]>;
  /** Polls `query` until `until` accepts its result; throws with the last result after `timeoutMs`. */
  waitFor(promql: string, until: (samples: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
}

/** Prometheus answered with `status: "error"` (bad PromQL, timeout, …). */
export class PrometheusQueryError extends Error {
  readonly errorType: string;
  constructor(errorType: string, message: string) {
    super(`prometheus: ${errorType}: ${message}`);
    this.name = 'PrometheusQueryError';
    this.errorType = errorType;
  }
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

async function api<T>(base: string, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${base}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: ApiAnswer<T>;
  try {
    body = JSON.parse(text) as ApiAnswer<T>;
  } catch {
    throw new PrometheusQueryError('bad_response', `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (body.status !== 'success' || body.data === undefined)
    throw new PrometheusQueryError(body.errorType ?? 'unknown', body.error ?? `HTTP ${response.status}`);
  return body.data;
}

type QueryData =
  | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  | { resultType: 'matrix'; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

function samples(data: QueryData): PromSample[] {
  switch (data.resultType) {
    case 'vector':
      return data.result.map((entry) => ({ metric: entry.metric, value: Number(entry.value[1]) }));
    case 'matrix':
      // A range selector queried as an instant query: the newest value of each series.
      return data.result.map((entry) => ({ metric: entry.metric, value: Number(entry.values.at(-1)?.[1]) }));
    default:
      return [{ metric: {}, value: Number(data.result[1]) }];
  }
}

/** The config as JSON, which YAML parsers (Prometheus's included) read as YAML. */
function configText(opts: PrometheusOptions): string {
  const interval = `${Math.max(1, Math.round(opts.scrapeIntervalMs))}ms`;
  const staticConfigs = opts.targets.map((target) => {
    const url = new URL(target);
    // Per-target scheme and path through the reserved labels, so one job holds every target.
    return { targets: [url.host], labels: { __scheme__: url.protocol.replace(':', ''), __metrics_path__: url.pathname + url.search } };
  });
  return JSON.stringify(
    {
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      rule_files: (opts.ruleFiles ?? []).map((file) => path.resolve(file)),
      scrape_configs: [{ job_name: opts.job ?? 'chorus', static_configs: staticConfigs }],
    },
    null,
    2,
  );
}

/** GET /-/ready: 200 once the TSDB is open and the config loaded. */
async function ready(port: number): Promise<boolean> {
  const response = await fetch(`http://${LOOPBACK}:${port}/-/ready`, { signal: AbortSignal.timeout(1000) });
  await response.arrayBuffer();
  return response.ok;
}

/**
 * Start Debian's `prometheus` on a free loopback port, scraping `targets` every `scrapeIntervalMs`
 * and evaluating `ruleFiles` at the same interval. Nothing survives a restart: the TSDB under
 * `<dataDir>/prometheus` is removed first.
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusService> {
  const log: Log = opts.log ?? (() => {});
  await ensureBinaries(['prometheus'], opts.log);
  const binaries = findPrometheusBinaries();
  if (!binaries) throw new Error('prometheus not found after ensureBinaries');
  const dataDir = path.resolve(opts.dataDir);
  const serverDir = path.join(dataDir, 'prometheus');
  const configFile = path.join(dataDir, 'prometheus.yml');
  const service = await startService({
    name: 'prometheus',
    dataDir,
    serverDir,
    logFile: path.join(dataDir, 'prometheus.log'),
    binary: binaries.prometheus,
    prepare: async () => {
      rmSync(serverDir, { recursive: true, force: true });
      mkdirSync(serverDir, { recursive: true });
      writeFileSync(configFile, configText(opts));
    },
    args: (port) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${serverDir}`,
      `--web.listen-address=${LOOPBACK}:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    probe: ready,
    url: (port) => `http://${LOOPBACK}:${port}`,
    timeoutMs: 60_000,
    log,
  });
  const base = service.url;
  const query = async (promql: string) => samples(await api<QueryData>(base, `/api/v1/query?query=${encodeURIComponent(promql)}`));
  return {
    ...service,
    query,
    rules: async () => (await api<{ groups: PromRuleGroup[] }>(base, '/api/v1/rules')).groups,
    targets: async () => (await api<{ activeTargets: PromTarget[] }>(base, '/api/v1/targets')).activeTargets,
    async waitFor(promql, until, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await query(promql);
        if (until(last)) return last;
        if (Date.now() > deadline)
          throw new Error(`prometheus: ${promql} did not reach the expected value within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
        await sleep(250);
      }
    },
  };
}

/** Runs `promtool <args>`; resolves with its output, rejects with it when promtool fails. */
async function promtool(args: string[], log?: Log): Promise<string> {
  await ensureBinaries(['prometheus'], log);
  const binaries = findPrometheusBinaries();
  if (!binaries) throw new Error('promtool not found after ensureBinaries');
  return new Promise((resolve, reject) => {
    execFile(binaries.promtool, args, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error) reject(new Error(`promtool ${args.slice(0, 2).join(' ')} failed:\n${output}`));
      else resolve(output);
    });
  });
}

/** `promtool check rules <files>`: the files parse and every expression is valid PromQL. */
export function checkRules(files: string[], log?: Log): Promise<string> {
  return promtool(['check', 'rules', ...files], log);
}

/** `promtool test rules <files>`: the rule unit tests (synthetic series, expected alerts) pass. */
export function testRules(files: string[], log?: Log): Promise<string> {
  return promtool(['test', 'rules', ...files], log);
}
