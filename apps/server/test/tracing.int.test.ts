import { randomBytes } from 'node:crypto';
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import type { LocalService } from '@chorus/local-services';
import {
  accountFactory,
  collectEvents,
  createTestClient,
  createTestDatabase,
  startFakeResend,
  startOtlpReceiver,
  startTestRedis,
  type EventCollector,
  type FakeResend,
  type OtlpReceiver,
  type ReceivedSpan,
  type TestAccount,
  type TestDatabase,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnServerProcess, type ServerProcess } from './server-process';

// Two real server processes on one MariaDB and Redis, each exporting its spans to this test's
// OTLP/HTTP receiver, as two instances behind a load balancer would to a collector.
let receiver: OtlpReceiver;
let database: TestDatabase;
let redis: LocalService;
let mail: FakeResend;
let serverA: ServerProcess;
let serverB: ServerProcess;
let ann: TestAccount;
let ben: TestAccount;
let benOnB: ChorusClient;
let benEvents: EventCollector;
let conversationId: number;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const otelEnv = (instance: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_SERVICE_NAME: 'chorus-test',
  OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance},deployment.environment.name=test`,
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

beforeAll(async () => {
  [receiver, database, redis, mail] = await Promise.all([startOtlpReceiver(), createTestDatabase(), startTestRedis(), startFakeResend()]);
  const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, RESEND_API_KEY: mail.apiKey, RESEND_BASE_URL: mail.url };
  [serverA, serverB] = await Promise.all([spawnServerProcess({ ...env, ...otelEnv('a') }), spawnServerProcess({ ...env, ...otelEnv('b') })]);
  const accounts = accountFactory(serverA.url, mail);
  ann = await accounts.register('ann');
  ben = await accounts.register('ben');
  benOnB = createTestClient(serverB.url, { token: ben.token });
  benEvents = collectEvents(benOnB);
  await benEvents.waitFor((event) => event.type === 'presence.snapshot');
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
}, 120_000);
afterAll(async () => {
  if (benOnB) await closeChorusClient(benOnB);
  await Promise.allSettled([serverA?.stop(), serverB?.stop()]);
  await Promise.allSettled([database?.drop(), redis?.stop(), mail?.stop(), receiver?.close()]);
});

/** chat.send over plain HTTP, as a client or proxy that propagates trace context sends it. */
async function sendOverHttp(url: string, text: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/trpc/chat.send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.token}`, ...headers },
    body: JSON.stringify({ json: { conversationId, clientId: hex(6), kind: 'text', text } }),
  });
  return { status: response.status, body: (await response.json()) as { result?: { data: { json: { id: number } } } } };
}

const instanceOf = (span: ReceivedSpan) => span.resource['service.instance.id'];
/** Whether `ancestor` is above `span` in the spans received. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  for (let current: ReceivedSpan | undefined = span; current;) {
    const parentId: string = current.parentSpanId;
    if (parentId === ancestor.spanId) return true;
    current = spans.find((candidate) => candidate.spanId === parentId);
  }
  return false;
}

describe('traces across two instances', () => {
  it("one trace spans a chat.send on instance A and its event's delivery on instance B, under the client's traceparent", async () => {
    const traceId = hex(16);
    const clientSpanId = hex(8);
    const text = `traced ${hex(4)}`;
    const sent = await sendOverHttp(serverA.url, text, { traceparent: `00-${traceId}-${clientSpanId}-01` });
    expect(sent.status).toBe(200);
    const messageId = sent.body.result!.data.json.id;
    await benEvents.waitFor((event) => event.type === 'message.created' && event.message.id === messageId);

    const spans = await receiver.waitFor((all) => {
      const trace = all.filter((span) => span.traceId === traceId);
      return trace.some((span) => span.name === 'event deliver') && trace.some((span) => span.name === 'chat.send') ? trace : null;
    });
    const call = spans.find((span) => span.name === 'chat.send')!;
    expect(call).toMatchObject({
      parentSpanId: clientSpanId,
      kind: 2,
      attributes: { 'rpc.system': 'trpc', 'rpc.method': 'chat.send', 'chorus.transport': 'http', 'chorus.outcome': 'ok' },
      status: { code: 0 },
      resource: { 'service.name': 'chorus-test', 'service.instance.id': 'a', 'deployment.environment.name': 'test' },
    });
    const publish = spans.find((span) => span.name === 'event publish')!;
    expect(instanceOf(publish)).toBe('a');
    expect(publish).toMatchObject({ kind: 4, attributes: { 'chorus.event.type': 'message.created' } });
    expect(descendsFrom(publish, call, spans)).toBe(true);
    const deliver = spans.find((span) => span.name === 'event deliver')!;
    expect(instanceOf(deliver)).toBe('b');
    expect(deliver).toMatchObject({ kind: 5, parentSpanId: publish.spanId, attributes: { 'chorus.event.type': 'message.created' } });

    // Child spans of the call: its queries and Redis commands, the event's script under the publish span.
    const queries = spans.filter((span) => span.attributes['db.system.name'] === 'mysql' && descendsFrom(span, call, spans));
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((span) => span.kind === 3 && instanceOf(span) === 'a')).toBe(true);
    const script = spans.find((span) => span.attributes['db.system.name'] === 'redis' && span.parentSpanId === publish.spanId);
    expect(script?.name).toMatch(/^EVAL/);

    // Attributes name operations, never their values: no message text, token, email or user id.
    const exported = JSON.stringify(spans);
    for (const secret of [text, ann.token, ann.email]) expect(exported).not.toContain(secret);
    expect(spans.flatMap((span) => Object.keys(span.attributes)).filter((key) => /user|session|token/i.test(key))).toEqual([]);

    // Every log line of the call carries its trace and span id.
    const lines = serverA.lines.filter((line) => line.msg === 'call' && line.procedure === 'chat.send' && line.trace_id === traceId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ span_id: call.spanId, outcome: 'ok' });
  });

  it('a call without traceparent starts its own trace; a failed call is marked an error with its outcome', async () => {
    const before = receiver.spans.length;
    const missing = await fetch(`${serverA.url}/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.token}` },
      body: JSON.stringify({ json: { conversationId: 999_999_999, clientId: hex(6), kind: 'text', text: 'nowhere' } }),
    });
    expect(missing.status).toBe(404);
    const failed = await receiver.waitFor((all) => all.slice(before).find((span) => span.name === 'chat.send'));
    expect(failed).toMatchObject({ parentSpanId: '', status: { code: 2, message: 'NOT_FOUND' }, attributes: { 'chorus.outcome': 'NOT_FOUND' } });
    const line = serverA.lines.find((entry) => entry.msg === 'call' && entry.trace_id === failed.traceId);
    expect(line).toMatchObject({ procedure: 'chat.send', outcome: 'NOT_FOUND', span_id: failed.spanId });
  });

  it("WebSocket calls get spans too, named by procedure, with transport ws: each its own trace, linked to the upgrade request's traceparent", async () => {
    const subscription = await receiver.waitFor((all) =>
      all.find((span) => span.name === 'events.subscribe' && instanceOf(span) === 'b' && span.attributes['chorus.transport'] === 'ws'),
    );
    expect(subscription.attributes).toMatchObject({ 'rpc.system': 'trpc', 'rpc.method': 'events.subscribe', 'rpc.trpc.type': 'subscription' });

    const traceId = hex(16);
    const upgradeSpanId = hex(8);
    // A socket whose upgrade request carries a traceparent, as a proxy that starts traces would send.
    class TracedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { traceparent: `00-${traceId}-${upgradeSpanId}-01` } });
      }
    }
    const traced = createTestClient(serverB.url, { token: ben.token, WebSocket: TracedWebSocket, calls: 'websocket' });
    const events = collectEvents(traced);
    await events.waitFor((event) => event.type === 'presence.snapshot');
    const linked = (span: ReceivedSpan) => span.links.some((link) => link.traceId === traceId && link.spanId === upgradeSpanId);
    const call = await receiver.waitFor((all) => all.find((span) => span.name === 'events.subscribe' && linked(span)));
    // A root of its own, not a child of the upgrade: a socket open for hours makes no endless trace.
    expect(call).toMatchObject({ parentSpanId: '', attributes: { 'chorus.transport': 'ws' } });
    expect(call.traceId).not.toBe(traceId);
    // A second call on the same socket: another trace, linked to the same upgrade.
    await traced.friends.list.query();
    const second = await receiver.waitFor((all) => all.find((span) => span.name === 'friends.list' && linked(span)));
    expect(second).toMatchObject({ parentSpanId: '', attributes: { 'chorus.transport': 'ws' } });
    expect(second.traceId).not.toBe(call.traceId);
    expect(receiver.spans.filter((span) => span.traceId === traceId)).toEqual([]);
    await closeChorusClient(traced);
  });

  it("an unsampled parent's call is not exported and its event carries no trace context", async () => {
    const traceId = hex(16);
    const sent = await sendOverHttp(serverA.url, 'unsampled', { traceparent: `00-${traceId}-${hex(8)}-00` });
    const messageId = sent.body.result!.data.json.id;
    await benEvents.waitFor((event) => event.type === 'message.created' && event.message.id === messageId);
    // Something exported after the send shows the exporter ran past it.
    const marker = hex(16);
    await sendOverHttp(serverA.url, 'marker', { traceparent: `00-${marker}-${hex(8)}-01` });
    await receiver.waitFor((all) => all.some((span) => span.traceId === marker && span.name === 'chat.send'));
    expect(receiver.spans.filter((span) => span.traceId === traceId)).toEqual([]);
    // The log line still names the trace it belongs to, for correlation with the proxy's logs.
    expect(serverA.lines.find((line) => line.msg === 'call' && line.trace_id === traceId)).toMatchObject({ procedure: 'chat.send' });
  });
});
