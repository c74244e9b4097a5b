// What the storm window (the kill → every dropped client caught up) cost: CPU of each process as
// % of one core, and per resumed subscription the CPU ms, SQL statements and Redis calls beyond
// what the steady state before the kill (the same sends and deliveries, no resumptions) spends
// in the same time. Costs per subscription are what a busy machine disturbs least: compare runs
// by them.
import type { BenchStack } from '../lib/harness';
import { CpuSampler, servicePids, type CpuUse } from '../lib/process-cpu';

interface Counters {
  sql: number;
  /** Calls per Redis command (INFO commandstats; the commands scripts run included). */
  calls: Map<string, number>;
  at: number;
}

interface Span {
  seconds: number;
  cpu: CpuUse;
  sql: number;
  calls: Map<string, number>;
}

const LABELS = ['survivor', 'db', 'redis', 'load'];

export class StormWindow {
  private readonly cpu = new CpuSampler();
  private start: Counters | undefined;
  private steady: Span | undefined;

  constructor(
    private readonly stack: BenchStack,
    pids: Record<string, number | undefined>,
  ) {
    for (const [label, pid] of Object.entries(pids)) if (pid) this.cpu.pids.set(label, pid);
    for (const [label, pid] of servicePids(stack)) this.cpu.pids.set(label, pid);
  }

  /** Starts the steady-state span (sends flowing, nobody resuming). */
  async begin(): Promise<void> {
    this.start = await this.counters();
    this.cpu.begin();
  }

  /** Ends the steady span and starts the storm's (call right before the kill). */
  async kill(): Promise<void> {
    this.steady = await this.span();
    this.start = await this.counters();
    this.cpu.begin();
  }

  /** The storm window's figures; per resumed subscription, the excess over the steady state. */
  async end(resumed: number): Promise<Record<string, string>> {
    const storm = await this.span();
    const steady = this.steady!;
    const scale = storm.seconds / steady.seconds;
    const per = (n: number) => (resumed > 0 ? (n / resumed).toFixed(2) : '-');
    // % of one core over a span → CPU ms.
    const cpuMs = (span: Span, label: string) => ((span.cpu.percent.get(label) ?? 0) / 100) * span.seconds * 1000;
    const calls = [...storm.calls]
      .map(([name, count]) => [name, count - (steady.calls.get(name) ?? 0) * scale] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8);
    return {
      'storm window: s, CPU % of one core (steady state before the kill)': `${storm.seconds.toFixed(1)} s: ${storm.cpu.text} (${steady.cpu.text})`,
      // After the kill the survivor serves the killed instance's share of the deliveries too.
      'per resumed subscription, beyond the steady state: CPU ms (survivor / db / redis / load)': LABELS.map((label) =>
        per(cpuMs(storm, label) - (cpuMs(steady, label) + (label === 'survivor' ? cpuMs(steady, 'killed') : 0)) * scale),
      ).join(' / '),
      'per resumed subscription, beyond the steady state: SQL statements; Redis calls, top 8': `${per(storm.sql - steady.sql * scale)}; ${calls.map(([name, count]) => `${name} ${per(count)}`).join(' · ')}`,
    };
  }

  private async span(): Promise<Span> {
    this.cpu.end();
    const cpu = this.cpu.take();
    const end = await this.counters();
    const start = this.start!;
    const calls = new Map([...end.calls].map(([name, count]) => [name, count - (start.calls.get(name) ?? 0)]));
    // Minus the counters' own reads (one SHOW, two INFO).
    calls.set('info', (calls.get('info') ?? 0) - 2);
    return { seconds: (end.at - start.at) / 1000, cpu, sql: end.sql - start.sql - 1, calls };
  }

  private async counters(): Promise<Counters> {
    const [rows] = (await this.stack.deps.db.$client.query("SHOW GLOBAL STATUS LIKE 'Questions'")) as unknown as [Array<{ Value: string }>];
    const { redis } = this.stack.deps;
    // Every primary of a cluster.
    const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
    const calls = new Map<string, number>();
    for (const text of await Promise.all(nodes.map((node) => node.info('commandstats')))) {
      for (const [, name, count] of text.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) calls.set(name!, (calls.get(name!) ?? 0) + Number(count));
    }
    return { sql: Number(rows[0]?.Value), calls, at: performance.now() };
  }
}
