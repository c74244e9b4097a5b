import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { experimental_standaloneMiddleware } from '@trpc/server';
import type { Context } from '../context';
import { outcomeOf } from '../call-outcome';
import { contextWithSpan, parentFromTraceparent } from './trace-context';

/**
 * One span per procedure call, HTTP and WebSocket alike, named by the procedure. Its parent is
 * the `traceparent` the request carried (a client's or a proxy's; on a WebSocket, the upgrade
 * request's). Attributes name the call, never its caller: no user ids, no input.
 *
 * Without a tracer in the app's deps the call goes straight on: tracing off costs one check.
 */
export const traceCall = experimental_standaloneMiddleware<{ ctx: Context }>().create(async ({ ctx, path, type, next }) => {
  const tracer = ctx.deps.tracer;
  if (!tracer) return next();
  const parent = parentFromTraceparent(ctx.request.traceparent);
  const span = tracer.startSpan(
    path,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'trpc', 'rpc.method': path, 'rpc.trpc.type': type, 'chorus.transport': ctx.request.transport },
    },
    parent,
  );
  try {
    const result = await context.with(contextWithSpan(parent, span, tracer), next);
    const outcome = outcomeOf(result);
    span.setAttribute('chorus.outcome', outcome);
    // The code only: a message may quote the input, and the server log has the whole error.
    if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    return result;
  } finally {
    span.end();
  }
});
