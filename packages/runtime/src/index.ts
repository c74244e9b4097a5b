export { startBackgroundJobs, type BackgroundJobs, type BackgroundJobsOptions } from './background-jobs';
export { connectInfrastructure, createRedis, type Infrastructure, type InfrastructureEnv } from './infrastructure';
export { createLogger, type LoggerEnv } from './logger';
export { checkReadiness, type ReadinessReport } from './readiness';
export { loopbackServerConfig, startServer, type RunningServer, type ServerConfig } from './server';
export { startMetricsServer, type MetricsServer, type MetricsSource } from './metrics-server';
export { startTracing, traceIdsOfActiveSpan, tracingRequested, type Tracing, type TracingOptions } from './tracing';
