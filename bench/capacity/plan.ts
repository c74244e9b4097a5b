// `pnpm capacity`: the plans of docs/capacity.md from the newest full (not smoke) results of
// `pnpm bench fanout` and `pnpm bench idle` in .data/bench/results (BENCH_OUT), printed as
// Markdown. Every figure names the benchmark and result file it came from.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plan, type Figure, type Figures, type Machines, type Workload } from './model';
import { repoRoot } from '../lib/workspace';

type Row = Record<string, string | number>;
interface Result {
  file: string;
  rows: Row[];
}

function latest(bench: string): Result {
  const dir = process.env.BENCH_OUT || join(repoRoot, '.data', 'bench', 'results');
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(`${bench}-`) && name.endsWith('.json') && !name.endsWith('-smoke.json'))
    .sort();
  const file = files.at(-1);
  if (!file) throw new Error(`no full result of \`pnpm bench ${bench}\` in ${dir}: run it first`);
  return { file, rows: (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { rows: Row[] }).rows };
}

function row(result: Result, match: (row: Row) => boolean, what: string): Row {
  const found = result.rows.find(match);
  if (!found) throw new Error(`${result.file}: no row for ${what}`);
  return found;
}

/** A process's share in the `cpu% (window)` cell (`srv 92 · load 25 · db 25 · redis 6`), in cores. */
function coresOf(cell: string | number | undefined, process: string): number {
  const match = new RegExp(`\\b${process} (\\d+)`).exec(String(cell));
  if (!match) throw new Error(`no ${process} CPU in "${cell}"`);
  return Number(match[1]) / 100;
}

function figures(): Figures {
  const fanout = latest('fanout');
  const group = row(fanout, (r) => String(r.case).startsWith('group of 1000') && r.system === 'Chorus, 1 instance', 'a group of 1000 on one instance');
  const members = Number(/group of (\d+)/.exec(String(group.case))![1]);
  const sends = row(fanout, (r) => String(r.case).startsWith('persisted sends') && r.system === 'Chorus, 1 instance, over WebSocket', 'persisted sends');
  const source = (r: Row) => `pnpm bench fanout (${fanout.file}), "${r.case}" / "${r.system}"`;
  const idle = latest('idle');
  const idleRow = row(idle, (r) => r.case === 'Chorus, events.subscribe, compression off', 'Chorus without compression');
  return {
    deliveryCpuUs: { value: (Number(group['server CPU ms/msg']) * 1000) / members, unit: 'µs per delivery', source: source(group) },
    redisCpuUsPerDelivery: {
      value: (coresOf(group['cpu% (window)'], 'redis') * 1e6) / Number(group['deliveries/s']),
      unit: 'µs per delivery',
      source: source(group),
    },
    sendCpuMs: { value: Number(sends['server CPU ms/msg']), unit: 'ms per send', source: source(sends) },
    dbCpuMsPerSend: { value: (coresOf(sends['cpu% (window)'], 'db') * 1000) / Number(sends['stored/s']), unit: 'ms per send', source: source(sends) },
    idleKbPerConnection: {
      value: Number(idleRow['rss KB/conn']),
      unit: 'KB of RSS per connection',
      source: `pnpm bench idle (${idle.file}), "${idleRow.case}", ${idleRow.connections} connections`,
    },
  };
}

const workload = (connectedUsers: number): Workload => ({
  connectedUsers,
  messagesPerUserPerHour: 30,
  mix: [
    { name: 'direct', share: 0.6, audience: 1 },
    { name: 'small group', share: 0.35, audience: 10 },
    { name: 'large group or room', share: 0.05, audience: 200 },
  ],
  bytesPerDelivery: 400,
});

const machines: Machines = { coresPerInstance: 8, memoryGbPerInstance: 16, coresPerRedisShard: 1, coresPerDatabaseNode: 32, utilisation: 0.5 };

const measured = figures();
console.log('| figure | value | measured by |\n| --- | --- | --- |');
for (const [name, figure] of Object.entries(measured) as Array<[string, Figure]>)
  console.log(`| ${name} | ${figure.value.toFixed(2)} ${figure.unit} | ${figure.source} |`);
console.log(`\nMachines: ${JSON.stringify(machines)}\n`);
console.log(
  '| connected users | msgs/s | deliveries/s (mean / p99.9 s) | instances (CPU / memory → planned) | Redis shards | DB write cores | network Mbit/s (total / per instance) | instances sized by | DB write ceiling (users) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const users of [10_000, 100_000, 1_000_000]) {
  const p = plan(measured, workload(users), machines);
  console.log(
    `| ${users.toLocaleString('en')} | ${Math.round(p.messagesPerSecond)} | ${Math.round(p.deliveriesPerSecond)} / ${Math.round(p.peakDeliveriesPerSecond)} (×${p.peakFactor.toFixed(2)}) | ` +
      `${p.instances.forCpu} / ${p.instances.forMemory} → ${p.instances.planned} | ${p.redisShards} | ${p.databaseWriteCores.toFixed(1)} | ` +
      `${Math.round(p.networkMbps.total)} / ${Math.round(p.networkMbps.perInstance)} | ${p.instancesSizedBy} | ${p.databaseWriteCeilingUsers.toLocaleString('en')} |`,
  );
}
