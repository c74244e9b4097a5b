export { startBackgroundJobs, type BackgroundJobs, type BackgroundJobsOptions } from './background-jobs';
export { connectInfrastructure, createRedis, parseHostPort, type Infrastructure, type InfrastructureEnv, type RedisTarget } from './infrastructure';
export { createLogger, type LoggerEnv } from './logger';
export { checkReadiness, type ReadinessReport } from './readiness';
export { DEFAULT_LISTEN_BACKLOG, listenOn } from './listen';
export { loopbackServerConfig, startServer, type RunningServer, type ServerConfig } from './server';
export { startTracing, tracingRequested, type Tracing, type TracingOptions } from './tracing';
export { traceIdsOfActiveSpan } from './trace-ids';
export { startMetricsServer, type MetricsServer, type MetricsSource } from './metrics-server';
