// BENCH_REDIS=cluster runs the stack on a Redis Cluster of three primaries instead of one Redis.
// The stack then names its Redis `redis-cluster://host:port,…` (an address only the benchmarks
// use), which every process of a benchmark turns into what createRedis takes.

export const CLUSTER_PREFIX = 'redis-cluster://';

export const benchOnCluster = () => process.env.BENCH_REDIS === 'cluster';

/** What createRedis takes for the stack's Redis address. */
export function redisTarget(url: string): string | { clusterNodes: string[] } {
  return url.startsWith(CLUSTER_PREFIX) ? { clusterNodes: url.slice(CLUSTER_PREFIX.length).split(',') } : url;
}
