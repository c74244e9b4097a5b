// The capacity model of docs/capacity.md: measured per-core costs (from benchmark results, each
// naming its source) combined with a workload into instances, Redis shards, database nodes and
// network, and the resource that runs out first. The peak factor is simulated, not assumed:
// messages arrive at random (Poisson) and each reaches an audience drawn from a conversation mix,
// so a few large groups make some seconds much busier than the mean.

import { prng } from '../search/corpus';

/** A measured figure and where it came from (benchmark, result file, row). */
export interface Figure {
  value: number;
  unit: string;
  source: string;
}

export interface Figures {
  /** Chorus instance CPU per delivered event (fan-out to connected receivers). */
  deliveryCpuUs: Figure;
  /** Chorus instance CPU per persisted chat.send. */
  sendCpuMs: Figure;
  /** MariaDB CPU per persisted chat.send. */
  dbCpuMsPerSend: Figure;
  /** Redis CPU per delivered event. */
  redisCpuUsPerDelivery: Figure;
  /** Chorus instance memory per idle authenticated connection with one subscription. */
  idleKbPerConnection: Figure;
}

/** One kind of conversation in the mix: how often a message is in one, and how many connected receivers it has. */
export interface ConversationKind {
  name: string;
  share: number;
  audience: number;
}

export interface Workload {
  connectedUsers: number;
  messagesPerUserPerHour: number;
  mix: ConversationKind[];
  /** Bytes on the wire per delivered event (frame, compressed or not). */
  bytesPerDelivery: number;
}

export interface Machines {
  coresPerInstance: number;
  memoryGbPerInstance: number;
  coresPerRedisShard: number;
  coresPerDatabaseNode: number;
  /** Plan for this share of each resource at the simulated peak second (headroom for failover and spikes). */
  utilisation: number;
}

export interface Plan {
  messagesPerSecond: number;
  meanAudience: number;
  deliveriesPerSecond: number;
  /** Deliveries in the busiest simulated second (p99.9 of seconds) ÷ the mean. */
  peakFactor: number;
  peakDeliveriesPerSecond: number;
  instances: { forCpu: number; forMemory: number; planned: number };
  redisShards: number;
  databaseWriteCores: number;
  /** Three Galera nodes each apply every write: writes do not spread, so one node must carry them all. */
  databaseNodes: number;
  networkMbps: { total: number; perInstance: number };
  /** What decides the number of instances. */
  instancesSizedBy: 'CPU' | 'memory' | 'redundancy';
  /** Connected users at which database writes fill one node (the ceiling that adding nodes does not lift). */
  databaseWriteCeilingUsers: number;
}

export const meanAudience = (mix: ConversationKind[]) =>
  mix.reduce((sum, kind) => sum + kind.share * kind.audience, 0) / mix.reduce((sum, kind) => sum + kind.share, 0);

/** A Poisson count with this mean (normal approximation above 50, exact below). */
function poisson(mean: number, random: () => number): number {
  if (mean > 50) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
  }
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random(); product > limit; product *= random()) count++;
  return count;
}

/**
 * Deliveries per second over `seconds` simulated seconds; returns the p99.9 second ÷ the mean.
 * Each message's audience comes from the mix; large counts of messages are sampled in bulk
 * per kind (a Poisson count per kind per second), which is the same distribution.
 */
export function simulatePeakFactor(messagesPerSecond: number, mix: ConversationKind[], seconds = 3600, seed = 7): number {
  const random = prng(seed);
  const total = mix.reduce((sum, kind) => sum + kind.share, 0);
  const perSecond: number[] = [];
  for (let second = 0; second < seconds; second++) {
    let deliveries = 0;
    for (const kind of mix) deliveries += poisson((messagesPerSecond * kind.share) / total, random) * kind.audience;
    perSecond.push(deliveries);
  }
  perSecond.sort((a, b) => a - b);
  const mean = perSecond.reduce((sum, value) => sum + value, 0) / seconds;
  return mean === 0 ? 1 : perSecond[Math.min(seconds - 1, Math.floor(seconds * 0.999))]! / mean;
}

export function plan(figures: Figures, workload: Workload, machines: Machines): Plan {
  const messagesPerSecond = (workload.connectedUsers * workload.messagesPerUserPerHour) / 3600;
  const audience = meanAudience(workload.mix);
  const deliveriesPerSecond = messagesPerSecond * audience;
  const peakFactor = simulatePeakFactor(messagesPerSecond, workload.mix);
  const peakDeliveries = deliveriesPerSecond * peakFactor;
  const peakMessages = messagesPerSecond * peakFactor;
  const usable = (cores: number) => cores * machines.utilisation * 1e6;

  const instanceCpuUs = peakDeliveries * figures.deliveryCpuUs.value + peakMessages * figures.sendCpuMs.value * 1000;
  const forCpu = Math.ceil(instanceCpuUs / usable(machines.coresPerInstance));
  const memoryKb = workload.connectedUsers * figures.idleKbPerConnection.value;
  const forMemory = Math.ceil(memoryKb / (machines.memoryGbPerInstance * 1024 * 1024 * machines.utilisation));
  // At least two, so that one can die.
  const planned = Math.max(2, forCpu, forMemory);
  const redisShards = Math.max(3, Math.ceil((peakDeliveries * figures.redisCpuUsPerDelivery.value) / usable(machines.coresPerRedisShard)));
  const databaseWriteCores = (peakMessages * figures.dbCpuMsPerSend.value) / 1000 / machines.utilisation;
  const networkMbps = (peakDeliveries * workload.bytesPerDelivery * 8) / 1e6;

  return {
    messagesPerSecond,
    meanAudience: audience,
    deliveriesPerSecond,
    peakFactor,
    peakDeliveriesPerSecond: peakDeliveries,
    instances: { forCpu, forMemory, planned },
    redisShards,
    databaseWriteCores,
    databaseNodes: 3,
    networkMbps: { total: networkMbps, perInstance: networkMbps / planned },
    instancesSizedBy: planned === forCpu && forCpu >= forMemory ? 'CPU' : planned === forMemory ? 'memory' : 'redundancy',
    databaseWriteCeilingUsers: Math.floor((workload.connectedUsers * machines.coresPerDatabaseNode) / databaseWriteCores),
  };
}
