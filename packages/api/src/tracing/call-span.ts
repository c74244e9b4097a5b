import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context as OtelContext, type Link } from '@opentelemetry/api';
import { experimental_standaloneMiddleware } from '@trpc/server';
import { outcomeOf } from '../call-outcome';
import type { Context, RequestInfo } from '../context';
import { contextWithSpan, parentFromTraceparent } from './trace-context';

/**
 * One span per procedure call, HTTP and WebSocket alike, named by the procedure. Attributes name
 * the call, never its caller: no user ids, no input.
 *
 * Without a tracer in the app's deps the call goes straight on: tracing off costs one check.
 */
export const traceCall = experimental_standaloneMiddleware<{ ctx: Context }>().create(async ({ ctx, path, type, next }) => {
  const tracer = ctx.deps.tracer;
  if (!tracer) return next();
  const { parent, links } = origin(ctx.request);
  const span = tracer.startSpan(
    path,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'trpc', 'rpc.method': path, 'rpc.trpc.type': type, 'chorus.transport': ctx.request.transport },
      links,
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

/**
 * Where a call's span hangs. An HTTP call is a child of the `traceparent` its request carried (a
 * client's or a proxy's). A WebSocket call starts its own trace, linked to the upgrade request's
 * `traceparent`: a socket lives for hours, and its calls as children of the upgrade would make
 * one endless trace, every call of it sampled or dropped together.
 */
function origin(request: RequestInfo): { parent: OtelContext; links: Link[] } {
  const remote = parentFromTraceparent(request.traceparent);
  if (request.transport !== 'ws') return { parent: remote, links: [] };
  const upgrade = trace.getSpanContext(remote);
  return { parent: ROOT_CONTEXT, links: upgrade ? [{ context: upgrade }] : [] };
}
