import { trace } from '@opentelemetry/api';

/**
 * The active span's ids for a log line (pino `mixin`): every line written during a call carries
 * them. Only the API is needed here, never the SDK: the logger is in every process, tracing on or off.
 */
export function traceIdsOfActiveSpan(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
