// fanout's observability comparison: three forked instances (off, metrics scraped every second,
// tracing at 10%) on the same database and Redis, each with a group of its own whose members'
// receivers are connected to it alone (so a message is delivered by its instance only), and
// closed-loop senders in that group: every sender sends `chat.send` and waits for its
// acknowledgement, again and again, which keeps the instance saturated. The modes take turns in
// alternating windows; a window's deliveries/s is the figure compared.
import type { ClosedLoopSpec, LoadRequest, LoadResult, ReceiverSpec } from './protocol';
import { CONFIG } from './config';
import { alternate, OBS_CONFIG, OBS_LABEL, ratioFacts, startObsInstances, type ObsInstance, type ObsMode } from '../lib/observability';
import { cpuTicks } from '../lib/process-cpu';
import { envNumber, sized } from '../lib/env';
import { log, type BenchStack, type Cell } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { createMembers, type Member } from '../lib/members';
import { chorusWs } from '../lib/trpc-wire';
import { closeChorusClient, createBenchClient } from '../lib/workspace';

const GROUP = Math.floor(envNumber('BENCH_OBS_GROUP', sized(100, 10)));
/** Enough closed-loop senders that the instance, not the round trips of a few, sets the pace. */
const SENDERS = sized(32, 3);

async function createGroup(stack: BenchStack, members: Member[]): Promise<number> {
  const [owner, ...rest] = members;
  if (!owner) throw new Error('fanout observability: empty group');
  const client = createBenchClient(stack.url, { token: owner.token });
  try {
    const { conversationId } = await client.chat.createGroup.mutate({ name: 'observability bench', memberIds: rest.map((member) => member.id) });
    return conversationId;
  } finally {
    await closeChorusClient(client);
  }
}

export async function fanoutObservability(stack: BenchStack): Promise<{ rows: Array<Record<string, Cell>>; facts: Record<string, Cell>; notes: string[] }> {
  const rows: Array<Record<string, Cell>> = [];
  const facts: Record<string, Cell> = {};
  log(`fanout: observability: ${OBS_CONFIG.modes.length} groups of ${GROUP}`);
  const everyone = await createMembers(stack, GROUP * OBS_CONFIG.modes.length);
  const running = await startObsInstances(stack);
  const load = new LoadProcess<LoadRequest>(new URL('./load.ts', import.meta.url));
  try {
    const specs = new Map<ObsMode, ClosedLoopSpec>();
    const receivers: ReceiverSpec[] = [];
    for (const [index, instance] of running.instances.entries()) {
      const members = everyone.slice(index * GROUP, (index + 1) * GROUP);
      const conversationId = await createGroup(stack, members);
      for (const member of members) receivers.push({ userId: member.id, url: chorusWs(instance.url), token: member.token });
      specs.set(instance.mode, {
        system: 'chorus',
        senders: members
          .slice(1, 1 + SENDERS)
          .map((member) => ({ userId: member.id, conversationId, token: member.token, url: instance.url, calls: CONFIG.chorusCalls })),
        durationMs: OBS_CONFIG.windowMs,
        drainMs: CONFIG.drainMs,
        fanout: GROUP,
      });
    }
    const connected = await load.request<{ connected: number; ms: number }>(
      { op: 'connect', system: 'chorus', receivers, concurrency: CONFIG.connect.concurrency, timeoutMs: CONFIG.connect.timeoutMs },
      CONFIG.connect.timeoutMs * 4,
    );
    facts['observability: receivers connected'] = `${connected.connected} in ${(connected.ms / 1000).toFixed(1)} s`;
    await load.request({ op: 'settle', ...CONFIG.settle }, CONFIG.settle.maxMs + 30_000);
    const errors = new Map<ObsMode, number>();
    const loadCpu = new Map<ObsMode, number>();
    const run = async (instance: ObsInstance) => {
      await load.request({ op: 'settle', ...CONFIG.betweenSteps }, CONFIG.betweenSteps.maxMs + 70_000);
      // CPU of the instance and of the load process between the load process's window marks.
      let started: { instance: number; load: number } | undefined;
      const used = { instance: 0, load: 0 };
      const loadSeconds = () => (cpuTicks(load.pid ?? 0) ?? Number.NaN) / 100;
      load.onMark = (mark) => {
        if (mark === 'window-start') started = { instance: instance.cpuSeconds(), load: loadSeconds() };
        else if (started) Object.assign(used, { instance: instance.cpuSeconds() - started.instance, load: loadSeconds() - started.load });
      };
      const result = await load.request<LoadResult>({ op: 'closed', spec: specs.get(instance.mode)! }, 120_000);
      errors.set(instance.mode, (errors.get(instance.mode) ?? 0) + result.sendErrors + result.missing);
      loadCpu.set(instance.mode, (loadCpu.get(instance.mode) ?? 0) + used.load);
      return { result, cpuSeconds: used.instance };
    };
    // One unmeasured window each: warms every instance's code paths and caches.
    for (const instance of running.instances) await run(instance);
    log(`fanout: observability: ${OBS_CONFIG.rounds} rounds of ${OBS_CONFIG.windowMs} ms closed-loop windows per mode, ${SENDERS} senders, groups of ${GROUP}`);
    errors.clear();
    loadCpu.clear();
    const totals = await alternate(running.instances, OBS_CONFIG.rounds, async (instance) => {
      const { result, cpuSeconds } = await run(instance);
      // Latency samples: each window's p50 and p99 (the load process keeps histograms, not samples).
      return { count: result.delivered, elapsedMs: result.elapsedMs, latencies: [result.latency.p50, result.latency.p99], cpuSeconds };
    });
    const deliveriesPerSec = new Map<ObsMode, number>();
    const perCpuSecond = new Map<ObsMode, number>();
    for (const mode of OBS_CONFIG.modes) {
      const total = totals.get(mode);
      if (!total) continue;
      const perSec = Math.round((total.count * 1000) / total.elapsedMs);
      deliveriesPerSec.set(mode, perSec);
      perCpuSecond.set(mode, total.count / Math.max(total.cpuSeconds, 1e-9));
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
      rows.push({
        case: `observability: group of ${GROUP}, ${SENDERS} closed-loop senders`,
        system: OBS_LABEL[mode],
        'msgs/s': Math.round(perSec / GROUP),
        'deliveries/s': perSec,
        'p50 (median window)': median(total.latencies.filter((_, i) => i % 2 === 0)),
        'p99 (median window)': median(total.latencies.filter((_, i) => i % 2 === 1)),
        'errors + missing': errors.get(mode) ?? 0,
        'server CPU µs/delivery': Number(((total.cpuSeconds * 1e6) / Math.max(1, total.count)).toFixed(2)),
        'server CPU %': Math.round((total.cpuSeconds / (total.elapsedMs / 1000)) * 100),
        // Near 100: the load process (the receivers' JSON.parse), not the server, sets the pace.
        'load CPU %': Math.round(((loadCpu.get(mode) ?? Number.NaN) / (total.elapsedMs / 1000)) * 100),
      });
    }
    Object.assign(
      facts,
      ratioFacts('fanout deliveries/s', deliveriesPerSec),
      ratioFacts('fanout deliveries per server CPU second', perCpuSecond),
      running.facts(),
    );
  } finally {
    await load.request({ op: 'disconnect' }, 60_000).catch(() => {});
    await load.stop();
    await running.stop();
  }
  return {
    rows,
    facts,
    notes: [
      `observability rows: forked instances on the same database and Redis, one per mode (${OBS_CONFIG.modes.map((mode) => OBS_LABEL[mode]).join('; ')}), each delivering to a group of its own; ${OBS_CONFIG.rounds} alternating rounds of ${OBS_CONFIG.windowMs} ms closed-loop windows after one unmeasured window each; "deliveries per server CPU second" is the instance's own cost, apart from the load process`,
    ],
  };
}
