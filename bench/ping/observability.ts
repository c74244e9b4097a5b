// ping's observability comparison: `system.ping` from concurrent typed clients (in this process)
// against three forked instances (off, metrics scraped every second, tracing at 10%), in
// alternating windows. Figures per mode: calls/s, latency, and the instance's CPU per call.
import { alternate, OBS_CONFIG, OBS_LABEL, ratioFacts, startObsInstances, type ObsMode } from '../lib/observability';
import { sized } from '../lib/env';
import { log, type BenchStack, type Cell } from '../lib/harness';
import { percentiles, perSecond } from '../lib/stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

const CALLERS = sized(50, 5);
const WARMUP_ROUNDS = sized(20, 2);

export async function pingObservability(stack: BenchStack): Promise<{ rows: Array<Record<string, Cell>>; facts: Record<string, Cell>; notes: string[] }> {
  const rows: Array<Record<string, Cell>> = [];
  const facts: Record<string, Cell> = {};
  const running = await startObsInstances(stack);
  try {
    for (const calls of ['http', 'websocket'] as const) {
      const clients = new Map<ObsMode, ChorusClient[]>(
        running.instances.map((instance) => [instance.mode, Array.from({ length: CALLERS }, () => createBenchClient(instance.url, { calls }))]),
      );
      try {
        // Sockets and keep-alive connections are opened (and the code paths warmed) before any window.
        for (const list of clients.values()) for (let i = 0; i < WARMUP_ROUNDS; i++) await Promise.all(list.map((client) => client.system.ping.query()));
        log(`ping: observability, ${calls}, ${CALLERS} callers: ${OBS_CONFIG.rounds} rounds of ${OBS_CONFIG.windowMs} ms per mode`);
        const clientCpu = new Map<ObsMode, number>();
        const totals = await alternate(running.instances, OBS_CONFIG.rounds, async (instance) => {
          const before = process.cpuUsage();
          const result = await window(clients.get(instance.mode)!);
          const used = process.cpuUsage(before);
          clientCpu.set(instance.mode, (clientCpu.get(instance.mode) ?? 0) + (used.user + used.system) / 1e6);
          return result;
        });
        const callsPerSec = new Map<ObsMode, number>();
        const cpuPerCall = new Map<ObsMode, number>();
        for (const mode of OBS_CONFIG.modes) {
          const total = totals.get(mode);
          if (!total) continue;
          callsPerSec.set(mode, perSecond(total.count, total.elapsedMs));
          cpuPerCall.set(mode, (total.cpuSeconds * 1e6) / Math.max(1, total.count));
          const p = percentiles(total.latencies);
          rows.push({
            case: `observability: ${calls} concurrent`,
            system: OBS_LABEL[mode],
            callers: CALLERS,
            calls: total.count,
            'calls/s': perSecond(total.count, total.elapsedMs),
            p50: p.p50,
            p99: p.p99,
            max: p.max,
            'server CPU µs/call': Math.round(cpuPerCall.get(mode)!),
            'server CPU %': Math.round((total.cpuSeconds / (total.elapsedMs / 1000)) * 100),
            // Near 100: the clients (this process, one core), not the server, set the pace.
            'clients CPU %': Math.round(((clientCpu.get(mode) ?? Number.NaN) / (total.elapsedMs / 1000)) * 100),
          });
        }
        Object.assign(facts, ratioFacts(`ping ${calls} calls/s`, callsPerSec));
        // Calls per CPU second of the server: its throughput when it, not the clients, is the limit.
        Object.assign(facts, ratioFacts(`ping ${calls} calls per server CPU second`, new Map([...cpuPerCall].map(([mode, us]) => [mode, 1e6 / us]))));
      } finally {
        await Promise.all([...clients.values()].flat().map((client) => closeChorusClient(client)));
      }
    }
    Object.assign(facts, running.facts());
  } finally {
    await running.stop();
  }
  return {
    rows,
    facts,
    notes: [
      `observability rows: forked instances on the same database and Redis, one per mode (${OBS_CONFIG.modes.map((mode) => OBS_LABEL[mode]).join('; ')}), measured in ${OBS_CONFIG.rounds} alternating rounds of ${OBS_CONFIG.windowMs} ms each; the clients run in this process, so calls/s is capped by them too: "calls per server CPU second" is the server's own cost`,
    ],
  };
}

async function window(clients: ChorusClient[]) {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + OBS_CONFIG.windowMs;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await client.system.ping.query();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { count: latencies.length, elapsedMs: performance.now() - started, latencies };
}
