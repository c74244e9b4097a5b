// Persisted sends: closed-loop senders, each sending and waiting for its acknowledgement; the
// messages stored per second are counted in the database. Part of the fanout benchmark.
import { CALLS_LABEL, type ChorusCalls, type ClosedLoopSpec, type LoadRequest, type LoadResult, type SenderSpec } from './protocol';
import { CONFIG } from './config';
import type { Deployment, Scenario } from './report';
import { ms, serverMsPerMessage } from './search';
import { log, type BenchStack, type Cell } from '../lib/harness';
import type { LoadProcess } from '../lib/load-process';
import { withProfile, type CpuSampler } from '../lib/process-cpu';

/** What the closed loop shares with the rest of the fanout run. */
export interface PersistedRun {
  stack: BenchStack;
  load: LoadProcess<LoadRequest>;
  cpu: CpuSampler;
  /** Waits for the rest of the machine to calm down before a measurement. */
  quietMachine(name: string): Promise<void>;
}

/** Chorus runs it once per transport of chat.send; a baseline's senders always use their socket. Returns the row. */
export async function persistedSends(
  run: PersistedRun,
  scenario: Scenario,
  deployment: Deployment,
  allSenders: SenderSpec[],
  calls: ChorusCalls,
): Promise<Record<string, Cell>> {
  const { stack, load, cpu } = run;
  const pool = stack.deps.db.$client;
  const chorus = deployment.system === 'chorus';
  const name = `persisted sends / ${deployment.label}${chorus ? ` / chat.send over ${CALLS_LABEL[calls]}` : ''}`;
  const senders = allSenders.map((sender) => ({ ...sender, calls }));
  await load.request({ op: 'settle', ...CONFIG.betweenSteps }, CONFIG.betweenSteps.maxMs + 70_000);
  const table = deployment.system === 'chorus' ? 'messages' : 'bench_messages';
  const maxId = async () => {
    const [[row]] = (await pool.query(`SELECT COALESCE(MAX(id), 0) AS id FROM ${table}`)) as unknown as [Array<{ id: number }>];
    return Number(row?.id ?? 0);
  };
  const before = await maxId();
  const counters = async () => {
    const [[questions]] = (await pool.query("SHOW GLOBAL STATUS LIKE 'Questions'")) as unknown as [Array<{ Value: string }>];
    const redisStats = await stack.deps.redis.info('stats');
    return { sql: Number(questions?.Value ?? Number.NaN), redis: Number(/total_commands_processed:(\d+)/.exec(redisStats)?.[1] ?? Number.NaN) };
  };
  const countersBefore = await counters();
  const spec: ClosedLoopSpec = {
    system: deployment.system,
    senders: senders.slice(0, CONFIG.closed.senders),
    durationMs: CONFIG.closed.durationMs,
    drainMs: CONFIG.drainMs,
    fanout: scenario.fanout,
  };
  await run.quietMachine(name);
  log(`fanout: ${name}: ${spec.senders.length} closed-loop senders for ${spec.durationMs} ms`);
  const closedLoop = () => load.request<LoadResult>({ op: 'closed', spec }, 120_000);
  const result = chorus ? await withProfile(CONFIG.profileDir, `persisted-${calls}-${deployment.label}`, closedLoop) : await closedLoop();
  const cpuUse = cpu.take();
  const [[counted]] = (await pool.query(`SELECT COUNT(*) AS n FROM ${table} WHERE id > ?`, [before])) as unknown as [Array<{ n: number }>];
  const stored = Number(counted?.n ?? 0);
  const countersAfter = await counters();
  const perMessage = (n: number) => (stored > 0 && Number.isFinite(n) ? Number((n / stored).toFixed(1)) : '-');
  const storedPerSec = Math.round((stored * 1000) / result.elapsedMs);
  log(
    `fanout: ${name}: ${result.sendsPerSec} acked/s, ${storedPerSec} stored/s, ack p50 ${result.ack.p50} p99 ${result.ack.p99} ms, ${result.deliveriesPerSec} delivered/s (p99 ${result.latency.p99} ms), errors ${result.sendErrors}${result.firstError ? ` (${result.firstError})` : ''}, cpu% ${cpuUse.text}`,
  );
  return {
    case: `persisted sends: ${spec.senders.length} closed-loop senders, direct`,
    system: chorus ? `${deployment.label}, over ${CALLS_LABEL[calls]}` : deployment.label,
    'msgs/s': result.sendsPerSec,
    'stored/s': storedPerSec,
    'deliveries/s': result.deliveriesPerSec,
    p50: ms(result.latency.p50),
    p99: ms(result.latency.p99),
    'ack p50': ms(result.ack.p50),
    'ack p99': ms(result.ack.p99),
    errors: result.sendErrors,
    'SQL statements/msg': perMessage(countersAfter.sql - countersBefore.sql),
    'Redis commands/msg': perMessage(countersAfter.redis - countersBefore.redis),
    'server CPU ms/msg': serverMsPerMessage(cpuUse, result.sendsPerSec),
    'cpu% (window)': cpuUse.text || '-',
    'srv loop delay p99/max ms': cpuUse.loopDelay,
  };
}
