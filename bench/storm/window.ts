// What the storm window (the kill → every dropped client caught up) cost: CPU of each process
// as % of one core and CPU ms per resumed subscription, and the SQL statements and Redis
// commands served per resumed subscription. Costs per subscription are what a busy machine
// disturbs least: they compare runs made at different load.
import type { BenchStack } from '../lib/harness';
import { CpuSampler, servicePids } from '../lib/process-cpu';

interface Counters {
  sql: number;
  redis: number;
  at: number;
}

export class StormWindow {
  private readonly cpu = new CpuSampler();
  private start: Counters | undefined;
  private ticks = new Map<string, number>();

  constructor(
    private readonly stack: BenchStack,
    pids: Record<string, number | undefined>,
  ) {
    for (const [label, pid] of Object.entries(pids)) if (pid) this.cpu.pids.set(label, pid);
    for (const [label, pid] of servicePids(stack)) this.cpu.pids.set(label, pid);
  }

  async begin(): Promise<void> {
    this.start = await this.counters();
    this.cpu.begin();
  }

  /** The window's figures, per resumed subscription where it says so. */
  async end(resumed: number): Promise<Record<string, string>> {
    this.cpu.end();
    const use = this.cpu.take();
    const end = await this.counters();
    const start = this.start!;
    const seconds = (end.at - start.at) / 1000;
    const per = (n: number) => (resumed > 0 ? (n / resumed).toFixed(2) : '-');
    // % of one core over the window → CPU ms per resumed subscription.
    const msPer = (label: string) => per(((use.percent.get(label) ?? 0) / 100) * seconds * 1000);
    return {
      'storm window: s, CPU % of one core': `${seconds.toFixed(1)} s: ${use.text}`,
      'storm window: CPU ms per resumed subscription (survivor / db / redis / load)': ['survivor', 'db', 'redis', 'load'].map(msPer).join(' / '),
      // Minus the counters' own reads; the harness's sends (BENCH_STORM_RATE) are included.
      'storm window: SQL statements / Redis commands per resumed subscription': `${per(end.sql - start.sql - 1)} / ${per(end.redis - start.redis - 1)}`,
    };
  }

  private async counters(): Promise<Counters> {
    const [rows] = (await this.stack.deps.db.$client.query("SHOW GLOBAL STATUS LIKE 'Questions'")) as unknown as [Array<{ Value: string }>];
    const { redis } = this.stack.deps;
    // Every primary of a cluster.
    const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
    const stats = await Promise.all(nodes.map((node) => node.info('stats')));
    const commands = stats.reduce((sum, text) => sum + Number(/total_commands_processed:(\d+)/.exec(text)?.[1]), 0);
    return { sql: Number(rows[0]?.Value), redis: commands, at: performance.now() };
  }
}
