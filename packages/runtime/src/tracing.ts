import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { context, diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { StoredContextManager } from './context-manager';
import { traceDatabaseAndRedis } from './tracing-channels';

export interface TracingOptions {
  /** OTLP/HTTP base URL (`/v1/traces` is appended). Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string;
  /**
   * Share of traces sampled, by trace id, for new traces and for those a remote caller marked
   * sampled alike (a caller's unsampled flag is followed). Default: the standard sampler
   * OTEL_TRACES_SAMPLER names, when set; else this scheme with ratio 1.
   */
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
  const sdk = loadSdk();
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = sdk.resources;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'chorus', 'service.instance.id': randomUUID() }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ ...(options.serviceName ? { 'service.name': options.serviceName } : {}), ...options.resourceAttributes }));
  const exporter = new sdk.exporter.OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
  const sampler = defaultSampler(sdk.trace, options.sampleRatio);
  const provider = new sdk.trace.BasicTracerProvider({
    resource,
    ...(sampler ? { sampler } : {}),
    spanProcessors: [new sdk.trace.BatchSpanProcessor(exporter, options.exportDelayMs !== undefined ? { scheduledDelayMillis: options.exportDelayMs } : {})],
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

type TraceSdk = typeof import('@opentelemetry/sdk-trace-base');

/**
 * The SDK and the exporter, loaded when tracing starts: every process imports this package (the
 * scripts, the server with tracing off) and only a traced one needs them. `require` keeps
 * `startTracing` synchronous; it loads the packages' CommonJS builds, the ones an `import` of
 * them resolves to as well.
 */
function loadSdk() {
  const load = createRequire(import.meta.url);
  return {
    trace: load('@opentelemetry/sdk-trace-base') as TraceSdk,
    resources: load('@opentelemetry/resources') as typeof import('@opentelemetry/resources'),
    exporter: load('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http'),
  };
}

/**
 * The sampler unless the operator chose a standard one (OTEL_TRACES_SAMPLER, then the SDK builds
 * it). A remote parent's sampled flag comes from whoever sent the request, so it does not force
 * sampling: such a trace is sampled by the ratio, on its trace id, as a new one is (instances with
 * the same ratio decide alike). An unsampled remote parent is followed; a local parent always is.
 */
function defaultSampler(sdk: TraceSdk, sampleRatio: number | undefined, env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  if (sampleRatio === undefined && env.OTEL_TRACES_SAMPLER?.trim()) return undefined;
  const ratio = new sdk.TraceIdRatioBasedSampler(sampleRatio ?? 1);
  return new sdk.ParentBasedSampler({ root: ratio, remoteParentSampled: ratio, remoteParentNotSampled: new sdk.AlwaysOffSampler() });
}
