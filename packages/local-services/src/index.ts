export type { LocalService } from './service.js';
export type { BinaryKind, ServiceKind } from './binaries.js';
export { DEBIAN_GOPATH, ensureBinaries, MissingBinariesError, findBinary, findChromium } from './binaries.js';
export { startMariaDb, MARIADB_USER, MARIADB_PASSWORD } from './mariadb.js';
export { startRedis } from './redis.js';
export { startPrometheus, checkRules, testRules, PrometheusQueryError } from './prometheus.js';
export type { PrometheusOptions, PrometheusService, PromSample, PromRule, PromRuleGroup, PromTarget } from './prometheus.js';
export { startRedisCluster, parseClusterNodes } from './redis-cluster.js';
export type { ClusterNodeState, RedisCluster, RedisClusterNode, RedisClusterOptions } from './redis-cluster.js';
