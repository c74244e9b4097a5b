// What one message costs, counted around a Chorus step: CPU ms per process, database
// transactions and statements, Redis commands (and SPUBLISH among them), group-commit batch
// size per instance, and the catch-up reads of the user streams. Counts disturb less than
// msgs/s when the machine is shared, so one and two instances compare by them.
import { cpuTicks } from '../lib/process-cpu';
import type { BenchStack } from '../lib/harness';

/** Counters one Chorus instance keeps (instance A reads its own; B answers over IPC). */
export interface InstanceCounters {
  transactions: number;
  messages: number;
  catchUpReads: number;
  localHandOvers: number;
}

export interface Snapshot {
  at: number;
  ticks: Map<string, number | undefined>;
  db: Map<string, number>;
  redis: Map<string, number>;
  instances: Map<string, InstanceCounters>;
}

/** Not a command: the servers' socket reads, kept apart from the command counts. */
const READS = ' reads';

const DB_VARIABLES = ['Com_commit', 'Questions', 'Handler_commit', 'Innodb_log_writes', 'Innodb_os_log_fsyncs'];

export async function snapshot(stack: BenchStack, pids: Map<string, number>, instances: Map<string, () => Promise<InstanceCounters>>): Promise<Snapshot> {
  const [dbRows] = (await stack.deps.db.$client.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${DB_VARIABLES.map((name) => `'${name}'`).join(',')})`,
  )) as unknown as [Array<{ Variable_name: string; Value: string }>];
  const db = new Map(dbRows.map((row) => [row.Variable_name, Number(row.Value)]));
  const redis = new Map<string, number>();
  // A cluster answers per node: its primaries' counts are summed (the same names as one Redis).
  const client = stack.deps.redis as { info(section: string): Promise<string>; nodes?(role: string): { info(section: string): Promise<string> }[] };
  const servers = typeof client.nodes === 'function' ? client.nodes('master') : [client];
  for (const server of servers) {
    const info = (await server.info('all')) ?? '';
    for (const line of info.split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match) redis.set(match[1]!, (redis.get(match[1]!) ?? 0) + Number(match[2]));
      // Socket reads the server made: about one per round trip of a client (several commands
      // written together are one read), the figure a cluster's per-node split multiplies.
      const reads = /^total_reads_processed:(\d+)/.exec(line.trim());
      if (reads) redis.set(READS, (redis.get(READS) ?? 0) + Number(reads[1]));
    }
  }
  const counters = new Map<string, InstanceCounters>();
  for (const [label, read] of instances) counters.set(label, await read());
  return { at: performance.now(), ticks: new Map([...pids].map(([label, pid]) => [label, cpuTicks(pid)])), db, redis, instances: counters };
}

/** Per committed message between two snapshots, as one log line. */
export function perMessage(before: Snapshot, after: Snapshot): string {
  let messages = 0;
  let transactions = 0;
  const batches: string[] = [];
  let catchUps = 0;
  let local = 0;
  for (const [label, end] of after.instances) {
    const start = before.instances.get(label)!;
    const m = end.messages - start.messages;
    const t = end.transactions - start.transactions;
    messages += m;
    transactions += t;
    catchUps += end.catchUpReads - start.catchUpReads;
    local += end.localHandOvers - start.localHandOvers;
    batches.push(`${label} ${m} msgs in ${t} tx (${t > 0 ? (m / t).toFixed(2) : '-'}/tx)`);
  }
  if (messages === 0) return 'no messages committed';
  const per = (value: number, digits = 2) => (value / messages).toFixed(digits);
  const cpu = [...after.ticks]
    .map(([label, ticks]) => {
      const start = before.ticks.get(label);
      if (ticks === undefined || start === undefined) return '';
      return `${label} ${per((ticks - start) * 10)}`;
    })
    .filter(Boolean)
    .join(' · ');
  const delta = (a: Map<string, number>, b: Map<string, number>, name: string) => (b.get(name) ?? 0) - (a.get(name) ?? 0);
  const commands = [...after.redis.keys()].filter((name) => name !== READS);
  // Minus the INFO of the first snapshot, on each node.
  const infos = delta(before.redis, after.redis, 'info');
  const redisTotal = commands.reduce((sum, name) => sum + delta(before.redis, after.redis, name), 0) - infos;
  const redisTop = commands
    .map((name) => [name, delta(before.redis, after.redis, name)] as const)
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, calls]) => `${name} ${per(calls)}`)
    .join(' ');
  const db = DB_VARIABLES.map((name) => `${name} ${per(delta(before.db, after.db, name))}`).join(' ');
  return [
    `${messages} msgs over ${((after.at - before.at) / 1000).toFixed(1)} s; ${batches.join(', ')}; tx/msg ${per(transactions, 3)}`,
    `CPU ms/msg: ${cpu}`,
    `db per msg: ${db}`,
    `redis cmds/msg ${per(redisTotal)} (${redisTop}; spublish ${per(delta(before.redis, after.redis, 'spublish'))}) · socket reads/msg ${per(delta(before.redis, after.redis, READS))}`,
    `catch-up reads/msg ${per(catchUps, 4)} · local hand-overs/msg ${per(local)}`,
  ].join('\n    ');
}
