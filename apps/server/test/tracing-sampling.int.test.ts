// Who decides whether a call is traced: the configured ratio, not the sampled flag of whatever
// `traceparent` a request carries (docs/tracing.md, "Parents and sampling").
import { randomBytes } from 'node:crypto';
import { startTracing, type Tracing } from '@chorus/runtime';
import { startMailedTestServer, startOtlpReceiver, startTestServer, type MailedTestServer, type OtlpReceiver, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServerProcess } from './server-process';

let receiver: OtlpReceiver;
let base: MailedTestServer;
let ann: TestAccount;
let conversationId: number;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  base = await startMailedTestServer();
  ann = await base.accounts.register('ann');
  const ben = await base.accounts.register('ben');
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
});
afterAll(async () => {
  await base?.stop();
  await receiver?.close();
});

/** A traced server on the shared database and Redis, for the length of `run`. */
async function withTracedServer(tracing: Tracing, run: (url: string) => Promise<void>): Promise<void> {
  const server = await startTestServer({ database: base.server.database, redisUrl: base.server.redisService!.url, tracer: tracing.tracer });
  try {
    await run(server.url);
  } finally {
    await server.stop();
    await tracing.shutdown();
  }
}

/** chat.send with a client's `traceparent` flagged sampled. */
async function sendWithSampledParent(url: string, traceId: string): Promise<void> {
  const response = await fetch(`${url}/trpc/chat.send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.token}`, traceparent: `00-${traceId}-${hex(8)}-01` },
    body: JSON.stringify({ json: { conversationId, clientId: hex(6), kind: 'text', text: 'sampled?' } }),
  });
  expect(response.status).toBe(200);
}

describe('sampling', () => {
  it("a client's sampled flag does not get past a ratio of 0: nothing of its call is exported", async () => {
    const tracing = startTracing({ endpoint: receiver.url, sampleRatio: 0, exportDelayMs: 50 });
    await withTracedServer(tracing, async (url) => {
      const traceIds = Array.from({ length: 5 }, () => hex(16));
      for (const traceId of traceIds) await sendWithSampledParent(url, traceId);
      await tracing.flush();
      expect(receiver.spans.filter((span) => traceIds.includes(span.traceId))).toEqual([]);
    });
  });

  it('an operator who sets OTEL_TRACES_SAMPLER gets the standard sampler: parentbased_traceidratio follows the caller', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
    process.env.OTEL_TRACES_SAMPLER_ARG = '0';
    let tracing: Tracing;
    try {
      tracing = startTracing({ endpoint: receiver.url, exportDelayMs: 50 });
    } finally {
      delete process.env.OTEL_TRACES_SAMPLER;
      delete process.env.OTEL_TRACES_SAMPLER_ARG;
    }
    await withTracedServer(tracing, async (url) => {
      const traceId = hex(16);
      await sendWithSampledParent(url, traceId);
      const call = await receiver.waitFor((spans) => spans.find((span) => span.traceId === traceId && span.name === 'chat.send'));
      expect(call.attributes['chorus.outcome']).toBe('ok');
    });
  });

  it('the server takes the ratio from TRACES_SAMPLE_RATIO, over OTEL_TRACES_SAMPLER', async () => {
    const server = await spawnServerProcess({
      DATABASE_URL: base.server.database.url,
      REDIS_URL: base.server.redisService!.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      // Without TRACES_SAMPLE_RATIO this would export every call.
      OTEL_TRACES_SAMPLER: 'always_on',
      TRACES_SAMPLE_RATIO: '0',
    });
    try {
      const traceId = hex(16);
      await sendWithSampledParent(server.url, traceId);
      // The call joined the client's trace (its log line names it) but was not sampled.
      await expect.poll(() => server.lines.find((line) => line.msg === 'call' && line.procedure === 'chat.send')?.trace_id).toBe(traceId);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(receiver.spans.filter((span) => span.traceId === traceId)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
