import { context, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { activeTracedSpan, contextWithSpan, parentFromTraceparent, traceparentOf } from './trace-context';

/**
 * Spans of an event's way from the call that published it to the instances that deliver it.
 * The publish span's `traceparent` travels with the live copy on Redis (stream-scripts.ts), and
 * the delivering instance's span is its child: one trace from the call to every socket.
 */

const MESSAGING = { 'messaging.system': 'redis', 'messaging.destination.name': 'chorus:ev' } as const;

/**
 * Runs `publish` inside an "event publish" span when the running call is traced, handing it the
 * span's `traceparent` to carry with the event; otherwise runs it as it is, carrying nothing.
 */
export async function withPublishSpan<T>(tracer: Tracer | null, eventType: string, publish: (traceparent: string | undefined) => Promise<T>): Promise<T> {
  if (!tracer || !activeTracedSpan()) return publish(undefined);
  const active = context.active();
  const span = tracer.startSpan(
    'event publish',
    { kind: SpanKind.PRODUCER, attributes: { ...MESSAGING, 'messaging.operation.type': 'send', 'chorus.event.type': eventType } },
    active,
  );
  try {
    return await context.with(contextWithSpan(active, span, tracer), () => publish(traceparentOf(span)));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'publish failed' });
    throw error;
  } finally {
    span.end();
  }
}

/** The "event deliver" span of a live event on this instance, a child of its publish span. */
export function startDeliverSpan(tracer: Tracer, traceparent: string, eventType: string): Span {
  return tracer.startSpan(
    'event deliver',
    { kind: SpanKind.CONSUMER, attributes: { ...MESSAGING, 'messaging.operation.type': 'process', 'chorus.event.type': eventType } },
    parentFromTraceparent(traceparent),
  );
}
