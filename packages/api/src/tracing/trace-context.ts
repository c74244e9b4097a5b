import { context, trace, type Context as OtelContext, type Span, type Tracer, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * The tracer of the app whose call is running, kept in the OpenTelemetry context beside the
 * call's span: spans made below the call (database queries, Redis commands) use the tracer of
 * the call they belong to, so two apps in one process can trace differently (or not at all).
 */
export const TRACER_KEY = Symbol.for('chorus.tracer');

const w3c = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const headerSetter = { set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value) };

/** The remote parent a `traceparent` header names; the root context when it is absent or malformed. */
export function parentFromTraceparent(traceparent: string | undefined | null): OtelContext {
  if (!traceparent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, headerGetter);
}

/** `traceparent` of a sampled span, else undefined: unsampled work carries nothing onward. */
export function traceparentOf(span: Span): string | undefined {
  if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, headerSetter);
  return carrier.traceparent;
}

/** The active context with `span` and its tracer, for work that runs below the span. */
export function contextWithSpan(parent: OtelContext, span: Span, tracer: Tracer): OtelContext {
  return trace.setSpan(parent, span).setValue(TRACER_KEY, tracer);
}

/** The recording span of the running call and its tracer, if this work is traced. */
export function activeTracedSpan(): { span: Span; tracer: Tracer } | null {
  const active = context.active();
  const span = trace.getSpan(active);
  if (!span?.isRecording()) return null;
  const tracer = active.getValue(TRACER_KEY) as Tracer | undefined;
  return tracer ? { span, tracer } : null;
}
