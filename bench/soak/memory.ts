// Redis memory over the soak: INFO memory's used_memory and DBSIZE, summed over a cluster's
// primaries (one server: that server), and the figures the report draws from the samples.
import { redisNodes, type RedisClient } from '../lib/workspace';

export interface Sample {
  /** Seconds since sending started. */
  t: number;
  /** Messages sent by then. */
  sent: number;
  usedMemory: number;
  keys: number;
}

const field = (info: string, name: string): number => {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (!match) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
};

/** used_memory and DBSIZE of the data set: a cluster's primaries summed (replicas hold copies). */
export async function readRedisMemory(redis: RedisClient): Promise<{ usedMemory: number; keys: number }> {
  const nodes = redisNodes(redis, 'master');
  const figures = await Promise.all(nodes.map(async (node) => ({ usedMemory: field(await node.info('memory'), 'used_memory'), keys: await node.dbsize() })));
  return figures.reduce((sum, node) => ({ usedMemory: sum.usedMemory + node.usedMemory, keys: sum.keys + node.keys }), { usedMemory: 0, keys: 0 });
}

/** Least-squares slope of `y` over `x` (per unit of x); NaN with fewer than two points. */
export function slope(points: Array<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - meanX) * (p.y - meanY);
    den += (p.x - meanX) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export interface SteadyFigures {
  /** Samples the figures are drawn from, and from when (s). */
  samples: number;
  fromS: number;
  minBytes: number;
  maxBytes: number;
  meanBytes: number;
  /** (max − min) ÷ mean of used_memory. */
  spread: number;
  /** Least squares over the samples. */
  bytesPerMinute: number;
  keysPerMinute: number;
  messagesPerMinute: number;
}

/** The figures of the samples taken at or after `fromS` seconds. */
export function steadyFigures(samples: Sample[], fromS: number): SteadyFigures | null {
  const steady = samples.filter((sample) => sample.t >= fromS);
  if (steady.length < 3) return null;
  const used = steady.map((sample) => sample.usedMemory);
  const meanBytes = used.reduce((sum, value) => sum + value, 0) / used.length;
  const minBytes = Math.min(...used);
  const maxBytes = Math.max(...used);
  const perMinute = (y: (sample: Sample) => number) => 60 * slope(steady.map((sample) => ({ x: sample.t, y: y(sample) })));
  return {
    samples: steady.length,
    fromS: steady[0]!.t,
    minBytes,
    maxBytes,
    meanBytes,
    spread: (maxBytes - minBytes) / meanBytes,
    bytesPerMinute: perMinute((sample) => sample.usedMemory),
    keysPerMinute: perMinute((sample) => sample.keys),
    messagesPerMinute: perMinute((sample) => sample.sent),
  };
}
