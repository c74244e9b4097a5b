// CPU time per process from /proc, event-loop delay, forced GC and CPU profiles: what the
// fanout benchmark reports beside its throughput figures.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { log } from './log';
import { CLUSTER_PREFIX } from './redis-target';

const CLOCK_TICKS_PER_SECOND = 100;
/** The key of the machine's busy ticks among a sampler's readings. */
const MACHINE = '(machine)';

export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Minor page faults of a process so far (/proc/<pid>/stat). MariaDB's per query follow the memory
 * Mroonga's result set touches, which grows with the index table (ADR 0065).
 */
export function minorFaults(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return undefined;
  }
}

/** Busy ticks of all CPUs together (/proc/stat: everything but idle and iowait). */
export function machineBusyTicks(): number | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const ticks = fields.map(Number);
    const total = ticks.slice(0, 8).reduce((sum, n) => sum + n, 0);
    return total - (ticks[3] ?? 0) - (ticks[4] ?? 0);
  } catch {
    return undefined;
  }
}

export function findPid(match: (argv: string[]) => boolean): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (match(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'))) return Number(entry);
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
  } catch {
    // No /proc.
  }
  return undefined;
}

/** The stack's MariaDB ("db") and Redis ("redis") processes, found by the ports of their URLs (when they run on this machine). */
export function servicePids(urls: { databaseUrl: string; redisUrl: string }): Map<string, number> {
  const dbPort = new URL(urls.databaseUrl).port;
  const mariadbPid = findPid((argv) => /mariadbd|mysqld/.test(argv[0] ?? '') && argv.includes(`--port=${dbPort}`));
  const pids = new Map<string, number>();
  if (mariadbPid) pids.set('db', mariadbPid);
  // A cluster's nodes are "redis1", "redis2", …; one Redis is "redis".
  const redisPorts = urls.redisUrl.startsWith(CLUSTER_PREFIX)
    ? urls.redisUrl
        .slice(CLUSTER_PREFIX.length)
        .split(',')
        .map((node) => node.slice(node.lastIndexOf(':') + 1))
    : [new URL(urls.redisUrl).port];
  for (const [index, port] of redisPorts.entries()) {
    const pid = findPid((argv) => /redis-server/.test(argv[0] ?? '') && (argv.includes(port) || argv.some((arg) => arg.endsWith(`:${port}`))));
    if (pid) pids.set(redisPorts.length > 1 ? `redis${index + 1}` : 'redis', pid);
  }
  return pids;
}

export interface CpuUse {
  text: string;
  /** label → % of one core */
  percent: Map<string, number>;
  /** Event-loop delay of this process (instance A or the baseline) in the window: p99 / max ms. */
  loopDelay: string;
}

/** CPU time of the processes involved between two marks, as % of one core. */
export class CpuSampler {
  readonly pids = new Map<string, number>();
  private start: { at: number; ticks: Map<string, number | undefined> } | undefined;
  private last: CpuUse = { text: '', percent: new Map(), loopDelay: '-' };
  /** "other" of every window, to tell how busy the rest of the machine was. */
  readonly others: number[] = [];

  private readonly loopDelay = monitorEventLoopDelay({ resolution: 5 });

  begin(): void {
    this.start = { at: performance.now(), ticks: this.read() };
    this.loopDelay.reset();
    this.loopDelay.enable();
  }

  end(): void {
    if (!this.start) return;
    const seconds = (performance.now() - this.start.at) / 1000;
    const now = this.read();
    const percent = new Map<string, number>();
    const share = (ticks: number) => Math.max(0, Math.round((ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100));
    let ours = 0;
    for (const [label, ticks] of now) {
      const before = this.start.ticks.get(label);
      // A process that ended meanwhile (a killed instance) has no reading: its last ticks are unknown.
      if (ticks === undefined || before === undefined) continue;
      ours += ticks - before;
      percent.set(label, share(ticks - before));
    }
    const machine = now.get(MACHINE);
    const machineBefore = this.start.ticks.get(MACHINE);
    percent.delete(MACHINE);
    // "other": the machine's busy ticks that none of ours (still running at both marks) spent.
    // Reads are not atomic: it can come out a little below zero.
    if (machine !== undefined && machineBefore !== undefined) {
      percent.set('other', share(machine - machineBefore - ours));
      percent.set('all', share(machine - machineBefore));
      this.others.push(percent.get('other')!);
    }
    this.loopDelay.disable();
    const delayMs = (ns: number) => Math.round(ns / 1e6);
    const loopDelay = this.loopDelay.count > 0 ? `${delayMs(this.loopDelay.percentile(99))} / ${delayMs(this.loopDelay.max)}` : '-';
    this.last = { text: [...percent].map(([label, value]) => `${label} ${value}`).join(' · '), percent, loopDelay };
    this.start = undefined;
  }

  /** What the last begin→end saw; empty when the marks did not come. */
  take(): CpuUse {
    const value = this.last;
    this.last = { text: '', percent: new Map(), loopDelay: '-' };
    return value;
  }

  /** Ours per pid, and the machine's busy ticks: `end` reports "other" (another test run, say) and "all" from them. */
  private read(): Map<string, number | undefined> {
    const ticks = new Map([...this.pids].map(([label, pid]) => [label, cpuTicks(pid)]));
    ticks.set(MACHINE, machineBusyTicks());
    return ticks;
  }
}

/** What V8's `gc()` takes: `{ type: 'major', execution: 'sync', flavor: 'last-resort' }` also gives freed pages back to the OS. */
export interface GcOptions {
  type?: 'major' | 'minor';
  execution?: 'sync' | 'async';
  flavor?: 'regular' | 'last-resort';
}

/** A full GC before reading the heap, without --expose-gc on the command line. */
export function exposeGc(): ((options?: GcOptions) => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (options?: GcOptions) => void (gc as (options?: GcOptions) => void)(options) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` under the V8 profiler of this process when `dir` names a directory for the profile. */
export async function withProfile<T>(dir: string | null, name: string, work: () => Promise<T>): Promise<T> {
  if (!dir) return work();
  const session = new Session();
  session.connect();
  const post = <R>(method: string) =>
    new Promise<R>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result as R))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await post<{ profile: object }>('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `fanout-${name.replace(/[^\w.-]+/g, '_')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`fanout: CPU profile of this process written to ${file}`);
  }
}

/** Busy % of one core of every process but ours over `ms`. */
export async function otherBusy(ours: number[], ms: number): Promise<number | undefined> {
  const read = () => {
    const machine = machineBusyTicks();
    if (machine === undefined) return undefined;
    return machine - ours.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0);
  };
  const before = read();
  await sleep(ms);
  const after = read();
  if (before === undefined || after === undefined) return undefined;
  return ((after - before) / CLOCK_TICKS_PER_SECOND / (ms / 1000)) * 100;
}
