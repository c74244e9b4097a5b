// The metric families docs/metrics.md documents and the series deploy/grafana/chorus.json draws:
// shared by the static check of the deploy files and the Prometheus test (not a test file itself).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@chorus/testing';

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
}

/** prom-client's default metrics the operators' docs promise (the process, event-loop lag, GC). */
const DEFAULT_FAMILIES: Family[] = [
  { name: 'process_cpu_seconds_total', type: 'counter' },
  { name: 'process_resident_memory_bytes', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_seconds', type: 'gauge' },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram' },
];

export const metricsDoc = (): string => readFileSync(join(repoRoot, 'docs/metrics.md'), 'utf8');

/** The rows of the table of docs/metrics.md (`| \`name\` | type | …`), then the default families. */
export function documentedFamilies(): Family[] {
  const rows = [...metricsDoc().matchAll(/^\| `([a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((match) => ({
    name: match[1]!,
    type: match[2] as Family['type'],
  }));
  return [...rows, ...DEFAULT_FAMILIES];
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}

export function dashboard(): { title: string; uid: string; panels: Panel[]; templating: { list: Array<{ name: string }> } } {
  return JSON.parse(readFileSync(join(repoRoot, 'deploy/grafana/chorus.json'), 'utf8')) as ReturnType<typeof dashboard>;
}

/** Every series name the dashboard's PromQL reads (`up`, and names of chorus_, nodejs_ and process_ series). */
export function dashboardMetricNames(): string[] {
  const exprs = dashboard().panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const names = exprs.flatMap((expr) => [...expr.matchAll(/\b(up|(?:chorus|nodejs|process)_[a-z0-9_]+)\b/g)].map((match) => match[1]!));
  return [...new Set(names)].sort();
}
