import { randomUUID } from 'node:crypto';
import { context, diag, DiagLogLevel, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { StoredContextManager } from './context-manager';
import { traceDatabaseAndRedis } from './tracing-channels';

export interface TracingOptions {
  /** OTLP/HTTP base URL (`/v1/traces` is appended). Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string;
  /** Share of new traces sampled (a sampled parent's traces always are). Default: OTEL_TRACES_SAMPLER(_ARG), else all. */
  sampleRatio?: number;
  /** Default: OTEL_SERVICE_NAME, else `chorus`. */
  serviceName?: string;
  /** Added to the resource (over OTEL_RESOURCE_ATTRIBUTES), e.g. `{ 'service.instance.id': 'a' }`. */
  resourceAttributes?: Record<string, string>;
  /** How long spans wait to be exported in a batch. Default: OTEL_BSP_SCHEDULE_DELAY, else 5 s. */
  exportDelayMs?: number;
  /** Export failures are logged here (at warn) instead of dropped silently. */
  logger?: Logger;
}

export interface Tracing {
  /** Pass to `createAppDeps({ tracer })`: that app's calls, queries and events are traced. */
  tracer: Tracer;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and stops; the app must not be called with this tracer afterwards. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces: an OTLP endpoint is set and the SDK is not disabled. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

let running = 0;
let contextManager: StoredContextManager | null = null;

/**
 * Starts a tracer provider that exports over OTLP/HTTP (JSON). The provider is not registered
 * globally: its tracer is handed to the apps that should be traced, so one process can run an
 * app untraced, then traced (a benchmark's two phases), or two apps with different settings.
 * Only the context manager (AsyncLocalStorage, for the active span) is process-wide; it is
 * registered by the first running tracing and removed when the last one shuts down.
 */
export function startTracing(options: TracingOptions = {}): Tracing {
  if (running++ === 0) context.setGlobalContextManager((contextManager = new StoredContextManager()));
  if (options.logger) {
    const log = options.logger;
    diag.setLogger(
      { error: (msg) => log.warn({ component: 'tracing' }, msg), warn: (msg) => log.warn({ component: 'tracing' }, msg), info() {}, debug() {}, verbose() {} },
      DiagLogLevel.WARN,
    );
  }
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'chorus', 'service.instance.id': randomUUID() }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ ...(options.serviceName ? { 'service.name': options.serviceName } : {}), ...options.resourceAttributes }));
  const exporter = new OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
  const provider = new BasicTracerProvider({
    resource,
    ...(options.sampleRatio !== undefined ? { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }) } : {}),
    spanProcessors: [new BatchSpanProcessor(exporter, options.exportDelayMs !== undefined ? { scheduledDelayMillis: options.exportDelayMs } : {})],
  });
  const release = traceDatabaseAndRedis(contextManager!.storage);
  let stopped: Promise<void> | null = null;
  return {
    tracer: provider.getTracer('chorus'),
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        release();
        await provider.shutdown();
        if (--running === 0) {
          context.disable();
          contextManager = null;
        }
      })();
      return stopped;
    },
  };
}

/** The active span's ids for a log line (pino `mixin`): every line written during a call carries them. */
export function traceIdsOfActiveSpan(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
