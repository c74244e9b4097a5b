// What one chat.search and one chat.history call cost, in measures that do not move with the
// machine's load as latency does: the server's CPU (the server runs in the benchmark process),
// MariaDB's CPU, the SQL statements MariaDB received and the Mroonga query parts it ran ("fast
// order limit" counts one per part), each per call over a run of calls of one kind alone.
import type { SearchCall, SearchCalls, SearchCallsResult } from './load';
import type { BenchStack } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { cpuTicks, machineBusyTicks, minorFaults, servicePids } from '../lib/process-cpu';

type Pool = BenchStack['deps']['db']['$client'];

const TICK_MS = 10;

async function status(pool: Pool): Promise<{ questions: number; parts: number }> {
  const [rows] = (await pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Mroonga_fast_order_limit')")) as unknown as [
    Array<{ Variable_name: string; Value: string }>,
  ];
  const value = (name: string) => Number(rows.find((row) => row.Variable_name === name)?.Value ?? NaN);
  return { questions: value('Questions'), parts: value('Mroonga_fast_order_limit') };
}

export interface CallCost {
  calls: number;
  serverCpuMs: number;
  dbCpuMs: number;
  /** MariaDB's minor page faults: for a search, mostly Groonga's result set (ADR 0065). */
  dbMinorFaults: number;
  statements: number;
  mroongaParts: number;
  /** The rest of the machine's busy CPU meanwhile, % of one core. */
  otherCpuPercent: number;
}

/** Runs `calls` (all of one kind) one after another on one socket and returns their cost per call. */
export async function callCost(stack: BenchStack, token: string, calls: SearchCall[]): Promise<CallCost> {
  const pool = stack.deps.db.$client;
  const dbPid = servicePids(stack).get('db');
  const load = new LoadProcess<SearchCalls>(new URL('./load.ts', import.meta.url));
  try {
    const before = {
      status: await status(pool),
      cpu: process.cpuUsage(),
      db: dbPid ? cpuTicks(dbPid) : undefined,
      faults: dbPid ? minorFaults(dbPid) : undefined,
      busy: machineBusyTicks(),
      at: performance.now(),
    };
    const result = await load.request<SearchCallsResult>({ op: 'sequential', url: stack.url, token, warmup: [], calls, windowMs: 600_000 }, 720_000);
    const cpu = process.cpuUsage(before.cpu);
    const db = dbPid ? cpuTicks(dbPid) : undefined;
    const faults = dbPid ? minorFaults(dbPid) : undefined;
    const busy = machineBusyTicks();
    const after = await status(pool);
    const n = Math.max(1, result.samples.length);
    const serverCpuMs = (cpu.user + cpu.system) / 1000;
    const dbCpuMs = db !== undefined && before.db !== undefined ? (db - before.db) * TICK_MS : NaN;
    const seconds = (performance.now() - before.at) / 1000;
    const busyMs = busy !== undefined && before.busy !== undefined ? (busy - before.busy) * TICK_MS : NaN;
    return {
      calls: result.samples.length,
      serverCpuMs: serverCpuMs / n,
      dbCpuMs: dbCpuMs / n,
      dbMinorFaults: faults !== undefined && before.faults !== undefined ? (faults - before.faults) / n : NaN,
      // The status query itself is one of the Questions counted.
      statements: (after.questions - before.status.questions - 1) / n,
      mroongaParts: (after.parts - before.status.parts) / n,
      otherCpuPercent: Math.max(0, Math.round(((busyMs - serverCpuMs - dbCpuMs) / 1000 / seconds) * 100)),
    };
  } finally {
    await load.stop();
  }
}
