export type { AiProviderKind, Metrics, RpcTransport, RpcType, WsCloseReason } from './metrics';
export { noopMetrics } from './noop-metrics';
export { createPromMetrics, type PromMetrics } from './prom-metrics';
export { isTimed, TimedCluster, TimedRedis, type CommandTimer } from './timed-redis';
