// pnpm bench storm: a reconnect storm. N subscribed clients spread over two instances, messages
// flowing at a steady rate, then one instance is SIGKILLed: its clients reconnect to the survivor
// (through their instance list) and resume. Measured per dropped client: the kill → caught up
// (it holds every message issued before it resumed, and its stream said the catch-up is over),
// and over every client at the end: messages lost or received twice, by ids. Chorus, then the
// Socket.IO baseline with connection state recovery across two instances (Redis Streams adapter).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_MESSAGES_DDL, type Directory } from '../baselines/store';
import { envList, envNumber, sized, smoke } from '../lib/env';
import { log, type BenchReport, type BenchStack, type Cell } from '../lib/harness';
import { listening, LoadProcess, stopChild } from '../lib/load-process';
import { createMembers, inParallel, type Member } from '../lib/members';
import { quantiles } from '../lib/stats';
import { closeChorusClient, createBenchClient } from '../lib/workspace';
import { StormWindow } from './window';
import type { ClientSpec, ConnectResult, SenderSpec, StormRequest, StormResult, StormStatus, StormSystem } from './protocol';

const CLIENTS = envNumber('BENCH_STORM_CLIENTS', sized(5000, 40));
const GROUP = envNumber('BENCH_STORM_GROUP', sized(50, 10));
const RATE = envNumber('BENCH_STORM_RATE', sized(50, 8));
const WARM_MS = sized(3000, 500);
const STORM_MAX_MS = envNumber('BENCH_STORM_MAX_S', sized(60, 20)) * 1000;
const AFTER_MS = sized(2000, 300);
/** A directory: the surviving Chorus instance's CPU profile of the storm window is written there. */
const PROFILE_DIR = process.env.BENCH_STORM_PROFILE || null;

interface Instance {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A forked instance (Chorus: fanout/instance.ts; Socket.IO: socketio-instance.ts) once it listens. */
async function startInstance(module: URL, stack: BenchStack, first?: Directory): Promise<Instance> {
  const child = fork(module, [stack.databaseUrl, stack.redisUrl], { serialization: 'advanced' });
  if (first) child.send(first);
  const { url } = await listening<{ url?: string }>(child, 'storm instance');
  if (!url) throw new Error('storm instance: unexpected first message');
  return { url, pid: child.pid ?? 0, child, stop: () => stopChild(child, () => child.send('stop')) };
}

interface Population {
  clients: ClientSpec[];
  senders: SenderSpec[];
  directory: Directory;
}

/** Groups of GROUP members made through the API; every member one client, the owner also the group's sender. */
async function populate(stack: BenchStack): Promise<Population> {
  const members = await createMembers(stack, CLIENTS);
  const groups: Member[][] = [];
  for (let from = 0; from < members.length; from += GROUP) groups.push(members.slice(from, from + GROUP));
  const population: Population = { clients: [], senders: [], directory: { members: new Map() } };
  await inParallel(groups, 8, async (group) => {
    const [owner, ...rest] = group;
    const client = createBenchClient(stack.url, { token: owner!.token });
    try {
      const { conversationId } = await client.chat.createGroup.mutate({ name: 'storm', memberIds: rest.map((member) => member.id) });
      population.senders.push({ token: owner!.token, userId: owner!.id, conversationId });
      population.directory.members.set(
        conversationId,
        group.map((member) => member.id),
      );
    } finally {
      await closeChorusClient(client);
    }
  });
  const conversationOf = new Map([...population.directory.members].flatMap(([conversationId, ids]) => ids.map((id) => [id, conversationId] as const)));
  population.clients = members.map((member, i) => ({ userId: member.id, token: member.token, conversationId: conversationOf.get(member.id)!, home: i % 2 }));
  return population;
}

async function runStorm(stack: BenchStack, system: StormSystem, population: Population): Promise<Record<string, Cell>> {
  const module = system === 'chorus' ? new URL('./instance.ts', import.meta.url) : new URL('./socketio-instance.ts', import.meta.url);
  const instances = await Promise.all([0, 1].map(() => startInstance(module, stack, system === 'socketio' ? population.directory : undefined)));
  const load = new LoadProcess<StormRequest>(new URL('./load.ts', import.meta.url));
  try {
    const urls = instances.map((instance) => instance.url);
    const connect = await load.request<ConnectResult>({ op: 'connect', system, urls, clients: population.clients }, 600_000);
    log(`storm ${system}: ${population.clients.length} clients subscribed in ${connect.ms} ms`);
    // Chorus senders call the harness's instance, which is never killed; Socket.IO's the survivor.
    await load.request({ op: 'send', url: system === 'chorus' ? stack.url : urls[0]!, senders: population.senders, ratePerS: RATE }, 60_000);
    const window = new StormWindow(stack, { survivor: instances[0]!.pid, killed: instances[1]!.pid, load: load.pid, harness: process.pid });
    // The profile covers the steady span too: starting the profiler costs the instance a good
    // part of a second, which must fall outside both spans.
    const profiled = system === 'chorus' && PROFILE_DIR ? instances[0]!.child : null;
    if (profiled) await profilerStarted(profiled);
    await window.begin();
    await sleep(WARM_MS);
    await window.kill();
    await load.request({ op: 'kill', pid: instances[1]!.pid, dead: 1 }, 10_000);
    const expected = population.clients.filter((client) => client.home === 1).length;
    const until = Date.now() + STORM_MAX_MS;
    let status: StormStatus = { dropped: 0, caughtUp: 0, sent: 0 };
    while (Date.now() < until) {
      await sleep(200);
      // The load process may be busy with thousands of reconnections on a loaded machine.
      status = await load.request<StormStatus>({ op: 'status' }, 120_000);
      if (status.dropped >= expected && status.caughtUp >= status.dropped) break;
    }
    const costs = await window.end(status.caughtUp);
    if (profiled) log(`storm ${system}: CPU profile of the surviving instance written to ${await profileTo(profiled, system)}`);
    log(`storm ${system}: ${status.caughtUp} of ${status.dropped} dropped clients caught up; ${JSON.stringify(costs)}`);
    await sleep(AFTER_MS);
    const result = await load.request<StormResult>({ op: 'finish', settleMs: envNumber('BENCH_STORM_SETTLE_S', sized(30, 3)) * 1000 }, 120_000);
    await load.request({ op: 'close' }, 60_000);
    const row = { ...rowOf(system, result, connect), ...costs };
    // Each system's row as soon as it is known: a long run stopped later keeps it.
    log(`storm ${system}: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await load.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
}

/** Starts the instance's profiler; resolves once it runs. */
function profilerStarted(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { profiling?: boolean }) => {
      if (!message.profiling) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send('profile-start');
  });
}

/** Stops the instance's profiler of the steady span and the storm window; the file it wrote. */
function profileTo(child: ChildProcess, system: StormSystem): Promise<string> {
  mkdirSync(PROFILE_DIR!, { recursive: true });
  const file = join(PROFILE_DIR!, `storm-${system}-survivor-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  return new Promise((resolve) => {
    const onMessage = (message: { profiled?: string }) => {
      if (!message.profiled) return;
      child.off('message', onMessage);
      resolve(message.profiled);
    };
    child.on('message', onMessage);
    child.send({ profileTo: file });
  });
}

const shown = (ms: number | undefined): Cell => (ms !== undefined && Number.isFinite(ms) ? Math.round(ms) : 'never');

function rowOf(system: StormSystem, r: StormResult, connect: ConnectResult): Record<string, Cell> {
  const [p50, p95, p99, max] = quantiles(r.caughtUpMs, [0.5, 0.95, 0.99, 1]).map(shown);
  return {
    system: system === 'chorus' ? 'Chorus, 2 instances' : 'Socket.IO 4.8 + CSR, 2 instances',
    clients: r.clients,
    'on killed': r.dropped,
    'caught up': r.caughtUp,
    'p50 ms': p50!,
    'p95 ms': p95!,
    'p99 ms': p99!,
    'max ms': max!,
    sent: r.sent,
    'send failed': r.sendFailed,
    'missing at end': r.lost,
    duplicated: r.duplicated,
    resync: r.resyncs,
    recovered: system === 'socketio' ? `${r.recovered} (${((100 * r.recovered) / Math.max(1, r.dropped)).toFixed(1)}%)` : '—',
    'failed attempts': r.failedAttempts,
    'hinted closes': r.hinted,
    'overloaded clients': r.overloaded,
    'connect ms': connect.ms,
    'not subscribed in 30 s': connect.failed,
    'p50/p95 ms: closed, dialled, reconnected, catch-up done': [r.droppedMs, r.dialledMs, r.resumingMs, r.resumedMs]
      .map((ms) => quantiles(ms, [0.5, 0.95]).map(shown).join('/'))
      .join(', '),
  };
}

export async function storm(stack: BenchStack): Promise<BenchReport> {
  const systems = envList('BENCH_STORM_SYSTEMS') ?? new Set(['chorus', 'socketio']);
  const population = await populate(stack);
  await stack.deps.db.$client.query(BENCH_MESSAGES_DDL);
  const rows: Array<Record<string, Cell>> = [];
  for (const system of ['chorus', 'socketio'] as const) if (systems.has(system)) rows.push(await runStorm(stack, system, population));
  const goal = rows.find((row) => row.system === 'Chorus, 2 instances');
  return {
    bench: 'storm',
    rows,
    facts: {
      'clients / group size / messages per s': `${CLIENTS} / ${GROUP} / ${RATE}`,
      'goal: Chorus p95 kill → caught up < 3000 ms, 0 lost, 0 duplicated': goal
        ? `${goal['p95 ms']} ms, ${goal['missing at end']} missing, ${goal.duplicated} duplicated: ${typeof goal['p95 ms'] === 'number' && goal['p95 ms'] < 3000 && goal['missing at end'] === 0 && goal.duplicated === 0 ? 'met' : 'missed'}`
        : 'not run',
    },
    notes: [
      'caught up: the client holds every message issued to its group before it resumed, and its resumed stream said the catch-up is over (Chorus: the snapshot after the missed events; Socket.IO: the CONNECT answer, with the missed packets of a recovered session).',
      'missing at end / duplicated: over every client, by message ids (seq per group), once sending stopped and the deliveries settled (up to BENCH_STORM_SETTLE_S); a client still reconnecting then counts what it has yet to receive as missing; a Socket.IO client whose session was not recovered never receives what was sent while it was away.',
      ...(smoke ? ['smoke run: the figures mean nothing'] : []),
    ],
  };
}
