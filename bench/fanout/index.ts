// Messaging fanout: delivered messages per second at p99 send→receive latency under 100 ms, for
// one group of 1,000 members with 10 senders and for 2,000 direct conversations, through one and
// two Chorus instances and through two baselines doing the same work (one INSERT per message into
// the same MariaDB, then a broadcast to the same receivers): a plain `ws` server and Socket.IO.
// Then persisted sends/s with many closed-loop senders, and chat.history from 1,000,000 messages.
//
// Processes: this one runs Chorus instance A (the harness's server) or the baseline being
// measured; a forked load process holds every receiver and sender; a forked second process is
// Chorus instance B in the two-instance cases. MariaDB and Redis are processes of their own.
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { BENCH_MESSAGES_DDL, type Directory, type RunningBaseline } from '../baselines/store';
import { checkWithOfficialClient } from '../baselines/socketio-check';
import { startSocketIoBaseline } from '../baselines/socketio-server';
import { startWsBaseline } from '../baselines/ws-server';
import { historyBench } from './history';
import { fanoutObservability } from './observability';
import { appendReport, OBS_CONFIG } from '../lib/observability';
import { persistedSends } from './persisted';
import type { LoadRequest, LoadResult, OpenLoopSpec, ReceiverSpec, SenderSpec, System } from './protocol';
import { CONFIG } from './config';
import { compareSystems, fanoutNotes, persistedAndHistoryGoals, type Deployment, type Measured, type Scenario, type Step } from './report';
import { round2, searchRate, searchRow, verdict } from './search';
import { createPopulation } from './setup';
import { perMessage, snapshot, type InstanceCounters } from './step-counters';
import { CpuSampler, exposeGc, servicePids, withProfile } from '../lib/process-cpu';
import { quietMachineWaiter } from '../lib/quiet-machine';
import { scenariosOf } from './scenarios';
import { startSecondInstance, type SecondInstance } from './second-instance';
import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { chorusWs } from '../lib/trpc-wire';
import { closeDb, createDb } from '../lib/workspace';

export async function fanout(stack: BenchStack): Promise<BenchReport> {
  if (OBS_CONFIG.only) return { bench: 'fanout', ...(await fanoutObservability(stack)) };
  const rows: Array<Record<string, Cell>> = [];
  const facts: Record<string, Cell> = {
    'machine: cores (os.availableParallelism) / load average at start': `${availableParallelism()} / ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  };
  const notes: string[] = [];
  const closedRows: Array<Record<string, Cell>> = [];
  const connectFacts: Record<string, Cell> = {};

  log(`fanout: creating ${CONFIG.groupMembers + CONFIG.directs * 2 + 2} users with sessions, 1 group, ${CONFIG.directs} direct conversations`);
  const setupStarted = performance.now();
  const population = await createPopulation(stack, { groupMembers: CONFIG.groupMembers, directs: CONFIG.directs });
  facts['setup: users + sessions + conversations, s'] = Number(((performance.now() - setupStarted) / 1000).toFixed(1));

  const pool = stack.deps.db.$client;
  await pool.query(BENCH_MESSAGES_DDL);
  // The baselines get a pool of their own, of the same size as a Chorus instance's.
  const baselineDb = createDb(stack.databaseUrl, { poolSize: 10 });
  const directory: Directory = { members: new Map() };
  directory.members.set(
    population.group.conversationId,
    population.group.members.map((member) => member.id),
  );
  for (const direct of population.directs)
    directory.members.set(
      direct.conversationId,
      direct.members.map((member) => member.id),
    );

  const scenarios = scenariosOf(population);

  const deployments: Array<{ key: string; start: () => Promise<Deployment> }> = [
    {
      key: 'chorus1',
      start: async () => ({
        label: 'Chorus, 1 instance',
        system: 'chorus',
        instances: 1,
        receiverUrl: () => chorusWs(stack.url),
        senderUrl: () => stack.url,
        stop: async () => {},
      }),
    },
    {
      key: 'chorus2',
      start: async () => {
        const second = await startSecondInstance(stack);
        cpu.pids.set('B', second.pid);
        instanceCounters.set('B', () => second.ask<InstanceCounters>({ op: 'counters' }));
        secondInstance = second;
        const urls = [stack.url, second.url];
        return {
          label: 'Chorus, 2 instances',
          system: 'chorus',
          instances: 2,
          // Receivers and senders alternate between the instances.
          receiverUrl: (index) => chorusWs(urls[index % 2]!),
          senderUrl: (index) => urls[index % 2],
          stop: async () => {
            await second.stop();
            cpu.pids.delete('B');
            instanceCounters.delete('B');
            secondInstance = undefined;
          },
        };
      },
    },
    { key: 'ws', start: async () => baselineDeployment('plain ws', 'ws', await startWsBaseline(baselineDb.$client, directory)) },
    {
      key: 'socketio',
      start: async () => {
        const server = await startSocketIoBaseline(baselineDb.$client, directory);
        await checkWithOfficialClient(server.httpUrl, population.group.members[0]!.id, population.group.conversationId).catch(async (error: unknown) => {
          await server.close();
          throw error;
        });
        return baselineDeployment('Socket.IO 4.8', 'socketio', server);
      },
    },
  ];

  const load = new LoadProcess<LoadRequest>(new URL('./load.ts', import.meta.url));
  const cpu = new CpuSampler();
  cpu.pids.set('srv', process.pid);
  if (load.pid) cpu.pids.set('load', load.pid);
  for (const [label, pid] of servicePids(stack)) cpu.pids.set(label, pid);
  load.onMark = (mark) => (mark === 'window-start' ? cpu.begin() : cpu.end());

  // Both instances alike (instance.ts reads the same variables): the older paths, for comparisons.
  if (process.env.BENCH_FANOUT_LOCAL_HANDOVER === '0') stack.deps.realtime.streams.local = null;
  if (process.env.BENCH_FANOUT_LINGER_MS) stack.deps.sendQueue.lingerMs = Number(process.env.BENCH_FANOUT_LINGER_MS);
  const measured: Measured[] = [];
  const heaps: string[] = [];
  const instanceCounters = new Map<string, () => Promise<InstanceCounters>>([
    ['A', async () => ({ ...stack.deps.sendQueue.stats, ...stack.deps.realtime.hub.stats })],
  ]);
  let secondInstance: SecondInstance | undefined;
  const gc = exposeGc();
  const { quietMachine: quietBefore, waitedMs } = quietMachineWaiter(cpu, CONFIG.quietMachine);
  const quietMachine = (name: string) => quietBefore(`fanout: ${name}`);
  try {
    for (const scenario of scenarios) {
      if (CONFIG.cases && !CONFIG.cases.has(scenario.key)) continue;
      for (const { key, start } of deployments) {
        if (CONFIG.systems && !CONFIG.systems.has(key)) continue;
        if (CONFIG.groupOnChorus1Only && scenario.key === 'group' && key !== 'chorus1') continue;
        const deployment = await start();
        try {
          measured.push(await measure(scenario, deployment));
        } finally {
          await deployment.stop();
          log(`fanout: after ${scenario.key} / ${deployment.label}: this process heapUsed ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB`);
        }
      }
    }
  } finally {
    await load.stop();
    await closeDb(baselineDb);
  }

  for (const result of measured)
    rows.push(
      searchRow(
        scenarios.find((s) => s.key === result.scenario)!,
        result,
      ),
    );
  rows.push(...closedRows);

  const history = CONFIG.history
    ? await historyBench(stack, population.spare, CONFIG.historyRows, CONFIG.historySeedMaxMs, CONFIG.historyMaxMs, CONFIG.profileDir)
    : { rows: [], facts: {}, notes: ['history: skipped (BENCH_FANOUT_HISTORY=0)'], p99: {}, seeded: 0 };
  rows.push(...history.rows);
  Object.assign(facts, connectFacts, history.facts);
  facts[`srv heapUsed MB at the end of each case, receivers connected${gc ? ', after a full GC' : ' (no forced GC)'}`] = heaps.join(', ') || '-';
  facts['waited for the rest of the machine to calm down before steps, s'] = Math.round(waitedMs() / 1000);
  const others = cpu.others;
  facts['other processes: CPU % of one core during the measured windows, avg / max'] =
    others.length > 0 ? `${Math.round(others.reduce((sum, n) => sum + n, 0) / others.length)} / ${Math.max(...others)}` : '-';

  if (OBS_CONFIG.enabled) appendReport({ rows, facts, notes }, await fanoutObservability(stack));

  const comparison = compareSystems(scenarios, measured);
  Object.assign(facts, comparison.facts);
  const goals = [...comparison.goals, ...persistedAndHistoryGoals(closedRows, history)];
  notes.push(...goals, ...fanoutNotes(), ...history.notes);
  return { bench: 'fanout', rows, facts, notes };

  // ---- helpers that close over the run

  function baselineDeployment(label: string, system: System, server: RunningBaseline): Deployment {
    return { label, system, instances: 1, receiverUrl: (_index, userId) => server.receiverUrl(userId), senderUrl: () => undefined, stop: () => server.close() };
  }

  async function measure(scenario: Scenario, deployment: Deployment): Promise<Measured> {
    const name = `${scenario.key} / ${deployment.label}`;
    log(`fanout: ${name}: connecting ${scenario.receivers.length} receivers`);
    const receivers: ReceiverSpec[] = scenario.receivers.map((member, index) => ({
      userId: member.id,
      url: deployment.receiverUrl(index, member.id),
      token: member.token,
    }));
    const connected = await load.request<{ connected: number; ms: number }>(
      { op: 'connect', system: deployment.system, receivers, concurrency: CONFIG.connect.concurrency, timeoutMs: CONFIG.connect.timeoutMs },
      CONFIG.connect.timeoutMs * 4,
    );
    const settled = await load.request<{ ms: number; frames: number; quiet: boolean; kinds: string }>(
      { op: 'settle', ...CONFIG.settle },
      CONFIG.settle.maxMs + 30_000,
    );
    connectFacts[`connect: ${name}`] =
      `${connected.connected} in ${(connected.ms / 1000).toFixed(1)} s, then ${settled.frames} frames over ${(settled.ms / 1000).toFixed(1)} s until quiet${settled.quiet ? '' : ' (never quiet)'}`;
    log(`fanout: ${name}: ${connectFacts[`connect: ${name}`]}${settled.kinds ? ` (${settled.kinds})` : ''}`);

    const senders: SenderSpec[] = scenario.senders.map((sender, index) => ({
      userId: sender.member.id,
      conversationId: sender.conversationId,
      token: sender.member.token,
      url: deployment.senderUrl(index),
      calls: CONFIG.chorusCalls,
    }));
    /** An open-loop run of this case's senders at `rate`: `warmupMs` unmeasured, then `windowMs` measured. */
    const openSpec = (rate: number, warmupMs: number, windowMs: number): OpenLoopSpec => ({
      system: deployment.system,
      senders,
      rate,
      warmupMs,
      windowMs,
      tailMs: CONFIG.tailMs,
      drainMs: CONFIG.drainMs,
      fanout: scenario.fanout,
      maxInFlight: CONFIG.maxInFlight,
    });
    const step = async (rawRate: number): Promise<Step> => {
      const rate = round2(rawRate);
      const between = await load.request<{ reconnected: number }>({ op: 'settle', ...CONFIG.betweenSteps }, CONFIG.betweenSteps.maxMs + 70_000);
      if (between.reconnected > 0) log(`fanout: ${name}: reconnected ${between.reconnected} receivers the server had closed`);
      await quietMachine(name);
      const spec = openSpec(rate, CONFIG.warmupMs, CONFIG.windowMs);
      const counting = deployment.system === 'chorus';
      const before = counting ? await snapshot(stack, cpu.pids, instanceCounters) : undefined;
      const result = await load.request<LoadResult>({ op: 'open', spec }, 120_000);
      if (before)
        log(
          `fanout: ${name}: ${rate} msgs/s, load ${loadavg()[0]!.toFixed(1)}, per message:\n    ${perMessage(before, await snapshot(stack, cpu.pids, instanceCounters))}`,
        );
      const { pass, why } = verdict(result);
      const cpuUse = cpu.take();
      const offeredDeliveries = Math.round(rate * scenario.fanout);
      log(
        `fanout: ${name}: ${rate} msgs/s (${offeredDeliveries} deliveries/s offered) → ${result.deliveriesPerSec} delivered/s, p50 ${result.latency.p50} p99 ${result.latency.p99} ms, ack p99 ${result.ack.p99} ms, load ELU ${result.loadElu}, cpu% ${cpuUse.text}, srv loop delay p99/max ${cpuUse.loopDelay} ms — ${pass ? 'pass' : `FAIL: ${why}`}`,
      );
      return { rate, offeredDeliveries, result, pass, why, cpu: cpuUse };
    };

    if (CONFIG.deploymentWarmupMs > 0) {
      await load.request<LoadResult>({ op: 'open', spec: openSpec(scenario.startRate, CONFIG.deploymentWarmupMs, CONFIG.warmupMs) }, 120_000);
      cpu.take();
      log(`fanout: ${name}: warmed up for ${(CONFIG.deploymentWarmupMs / 1000).toFixed(0)} s at ${scenario.startRate} msgs/s (not measured)`);
    }
    const search = async () => {
      if (!CONFIG.rates) return searchRate(step, scenario);
      // Fixed rates: every deployment measured at the same rates, for per-message comparisons.
      const steps: Step[] = [];
      for (const rate of CONFIG.rates) steps.push(await step(rate));
      const passed = steps.filter((s) => s.pass);
      return { steps, best: passed.at(-1), above: steps.find((s) => !s.pass) };
    };
    const profileB = deployment.system === 'chorus' && CONFIG.profileDir ? secondInstance : undefined;
    const fileB = `${CONFIG.profileDir}/fanout-${scenario.key}-steps-instance-B.cpuprofile`;
    if (profileB) {
      mkdirSync(CONFIG.profileDir!, { recursive: true });
      await profileB.ask({ op: 'profile-start' });
    }
    const { steps, best, above } =
      deployment.system === 'chorus' ? await withProfile(CONFIG.profileDir, `${scenario.key}-steps-${deployment.label}`, search) : await search();
    if (profileB)
      log(`fanout: CPU profile of instance B written to ${(await profileB.ask<{ profiled: string }>({ op: 'profile-stop', file: fileB })).profiled}`);

    if (scenario.key === 'direct') {
      const run = { stack, load, cpu, quietMachine };
      closedRows.push(await persistedSends(run, scenario, deployment, senders, 'websocket'));
      if (deployment.system === 'chorus') closedRows.push(await persistedSends(run, scenario, deployment, senders, 'http'));
    }
    gc?.();
    const heap = process.memoryUsage();
    heaps.push(`${scenario.key}/${deployment.label} ${Math.round(heap.heapUsed / 1048576)}`);
    log(
      `fanout: ${name}: this process heapUsed ${Math.round(heap.heapUsed / 1048576)} MB, rss ${Math.round(heap.rss / 1048576)} MB, receivers still connected`,
    );
    await load.request({ op: 'disconnect' }, 60_000);
    return { scenario: scenario.key, deployment, best, above, steps };
  }
}
