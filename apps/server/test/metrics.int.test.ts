// Prometheus metrics end to end: a server with metrics on, real traffic through the real
// client (HTTP and WebSocket), then scrapes of its own /metrics listener.
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  collectAiStream,
  collectEvents,
  createTestClient,
  fakeWords,
  failure,
  isTitleRequest,
  metricValue,
  noisePng,
  scrapeMetrics,
  startFakeOpenAi,
  startMailedTestServer,
  uploadWithTus,
  type FakeOpenAi,
  type MailedTestServer,
  type MetricSample,
  type TestAccount,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let started: MailedTestServer;
let metricsUrl: string;
let fake: FakeOpenAi;
let ann: TestAccount;
let ben: TestAccount;
let conversationId: number;
let clientIds = 0;
const text = (body: string) => ({ conversationId, clientId: `m${++clientIds}`, kind: 'text' as const, text: body });
const scrape = () => scrapeMetrics(metricsUrl);

/** Polls until `check` passes on a scrape (counters move after the response for some families). */
async function eventually(check: (samples: MetricSample[]) => void, timeoutMs = 5000): Promise<MetricSample[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape();
    try {
      check(samples);
      return samples;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

beforeAll(async () => {
  fake = await startFakeOpenAi();
  started = await startMailedTestServer({ metrics: true, ai: { heartbeatMs: 300, idleTimeoutMs: 2_000, sendWaitMs: 1_500 } });
  metricsUrl = started.server.metricsUrl!;
  ann = await started.accounts.register('ann');
  ben = await started.accounts.register('ben');
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
  fake.respondWith((request) => (isTitleRequest(request) ? { tokens: ['A title'] } : undefined));
});
afterAll(async () => {
  await started?.stop();
  await fake?.close();
});

describe('the metrics listener', () => {
  it('serves /metrics on its own port only: the public port answers 404', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const own = await fetch(metricsUrl);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toContain('text/plain');
    expect((await fetch(`${started.server.url}/metrics`)).status).toBe(404);
    expect((await fetch(new URL('/other', metricsUrl))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  it('has no registry, listener or cost when off', async () => {
    const { startTestServer } = await import('@chorus/testing');
    const off = await startTestServer({ database: started.server.database });
    try {
      expect(off.metricsUrl).toBeNull();
      expect(off.deps.metrics.enabled).toBe(false);
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

describe('procedure calls', () => {
  it('count chat.send over HTTP and over WebSocket, with the outcome', async () => {
    const overSocket = createTestClient(started.server.url, { token: ann.token, calls: 'websocket' });
    try {
      await ann.client.chat.send.mutate(text('over http'));
      await overSocket.chat.send.mutate(text('over ws'));
      await overSocket.chat.send.mutate(text('again over ws'));
      expect(await failure(ann.client.chat.send.mutate({ ...text('x'), conversationId: -1 }))).toBe('BAD_INPUT');
      const samples = await scrape();
      const count = (labels: Record<string, string>) =>
        metricValue(samples, 'chorus_rpc_duration_seconds_count', { procedure: 'chat.send', type: 'mutation', ...labels });
      expect(count({ transport: 'http', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(count({ transport: 'ws', outcome: 'ok' })).toBe(2);
      expect(count({ transport: 'http', outcome: 'BAD_INPUT' })).toBe(1);
      expect(metricValue(samples, 'chorus_rpc_duration_seconds_bucket', { procedure: 'chat.send', transport: 'ws', outcome: 'ok', le: '+Inf' })).toBe(2);
    } finally {
      await closeChorusClient(overSocket);
    }
  });
});

describe('WebSockets, subscriptions and events', () => {
  it('counts connections and subscriptions up and down, and closes by reason', async () => {
    // The socket of the test before may still be closing.
    const before = await eventually((samples) => expect(metricValue(samples, 'chorus_ws_connections')).toBe(0));
    const closedBefore = metricValue(before, 'chorus_ws_closed_total', { reason: 'normal' }) ?? 0;
    const client: ChorusClient = createTestClient(started.server.url, { token: ben.token });
    const events = collectEvents(client);
    await events.waitFor((event) => event.type === 'presence.snapshot');
    const open = await scrape();
    expect(metricValue(open, 'chorus_ws_connections')).toBe((metricValue(before, 'chorus_ws_connections') ?? 0) + 1);
    expect(metricValue(open, 'chorus_subscriptions', { procedure: 'events.subscribe' })).toBe(
      (metricValue(before, 'chorus_subscriptions', { procedure: 'events.subscribe' }) ?? 0) + 1,
    );
    expect(
      metricValue(open, 'chorus_rpc_duration_seconds_count', { procedure: 'events.subscribe', transport: 'ws', type: 'subscription', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);

    // Ann's message reaches Ben's socket: published, and its delivery timed (the sample is due).
    const published = metricValue(open, 'chorus_events_published_total')!;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const sent = await ann.client.chat.send.mutate(text('to ben'));
    await events.waitFor((event) => event.type === 'message.created' && event.message.id === sent.id);
    const delivered = await eventually((samples) => {
      expect(metricValue(samples, 'chorus_events_published_total')).toBeGreaterThan(published);
      expect(metricValue(samples, 'chorus_event_delivery_seconds_count')).toBeGreaterThanOrEqual(1);
    });
    expect(metricValue(delivered, 'chorus_event_delivery_seconds_sum')).toBeLessThan(5);

    await closeChorusClient(client);
    await eventually((samples) => {
      expect(metricValue(samples, 'chorus_ws_connections')).toBe(metricValue(before, 'chorus_ws_connections') ?? 0);
      expect(metricValue(samples, 'chorus_ws_closed_total', { reason: 'normal' })).toBe(closedBefore + 1);
      expect(metricValue(samples, 'chorus_subscriptions', { procedure: 'events.subscribe' })).toBe(
        metricValue(before, 'chorus_subscriptions', { procedure: 'events.subscribe' }) ?? 0,
      );
    });
  });

  it('counts a resync when a subscriber resumes from an unknown position', async () => {
    const before = metricValue(await scrape(), 'chorus_event_resyncs_total')!;
    const client = createTestClient(started.server.url, { token: ben.token });
    try {
      const events = collectEvents(client, 'not-a-position');
      await events.waitFor((event) => event.type === 'resync');
      expect(metricValue(await scrape(), 'chorus_event_resyncs_total')).toBe(before + 1);
    } finally {
      await closeChorusClient(client);
    }
  });
});

describe('domain families', () => {
  it('counts mail sent by driver and the outbox backlog', async () => {
    // Registering sent verification mail through the fake Resend.
    const samples = await eventually((found) => expect(metricValue(found, 'chorus_mail_sent_total', { driver: 'resend' })).toBeGreaterThanOrEqual(2));
    expect(metricValue(samples, 'chorus_mail_outbox_pending')).toBe(0);
  });

  it('counts an upload and its bytes', async () => {
    const data = noisePng(64, 64);
    await uploadWithTus(started.server.url, data, { token: ann.token, filename: 'noise.png', filetype: 'image/png' });
    const samples = await eventually((found) => expect(metricValue(found, 'chorus_uploads_total', { result: 'finished' })).toBe(1));
    expect(metricValue(samples, 'chorus_upload_bytes_total')).toBe(data.length);
  });

  it('measures an AI stream: first token, tokens in and out, no generation left active', async () => {
    const config = await ann.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
    const conversation = await ann.client.ai.conversations.create.mutate({ configId: config.id });
    fake.enqueue({ tokens: fakeWords(10), tokensPerSecond: 200 });
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hello', clientId: 'ai1' });
    const stream = collectAiStream(ann.client, sent.assistantMessageId);
    await stream.waitFor((event) => event.type === 'done', 10_000);
    const samples = await eventually((found) =>
      expect(metricValue(found, 'chorus_ai_tokens_total', { provider_kind: 'user', direction: 'out' })).toBeGreaterThan(0),
    );
    expect(metricValue(samples, 'chorus_ai_tokens_total', { provider_kind: 'user', direction: 'in' })).toBeGreaterThan(0);
    expect(metricValue(samples, 'chorus_ai_first_token_seconds_count', { provider_kind: 'user' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(samples, 'chorus_ai_generations_active')).toBe(0);
  });

  it('counts a call by its final state', async () => {
    await ann.client.friends.request.mutate({ userId: ben.id }).then((request) => ben.client.friends.respond.mutate({ requestId: request.id, accept: true }));
    const { callId } = await ann.client.calls.start.mutate({ calleeId: ben.id, media: 'audio' });
    await ann.client.calls.cancel.mutate({ callId });
    expect(metricValue(await scrape(), 'chorus_calls_total', { state: 'cancelled' })).toBe(1);
  });

  it('reports the database pool, Redis and the process', async () => {
    const samples = await scrape();
    expect(metricValue(samples, 'chorus_db_pool_connections', { state: 'idle' })).toBeGreaterThan(0);
    expect(metricValue(samples, 'chorus_db_pool_connections', { state: 'in_use' })).toBeGreaterThanOrEqual(0);
    expect(metricValue(samples, 'chorus_db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    const commands = samples.filter((sample) => sample.name === 'chorus_redis_command_duration_seconds_count').map((sample) => sample.labels.command);
    expect(commands).toContain('evalsha');
    expect(commands.every((command) => command === command?.toLowerCase())).toBe(true);
    expect(metricValue(samples, 'chorus_redis_used_memory_bytes')).toBeGreaterThan(100_000);
    expect(metricValue(samples, 'chorus_redis_connected_clients')).toBeGreaterThanOrEqual(2);
    expect(metricValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metricValue(samples, 'nodejs_eventloop_lag_seconds')).not.toBeNull();
  });
});

describe('cardinality', () => {
  /** Every label value a scrape may hold: names from fixed sets, never an id. */
  const bounded: Record<string, RegExp> = {
    procedure: /^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$/,
    transport: /^(http|ws)$/,
    type: /^(query|mutation|subscription)$/,
    outcome: /^(ok|[A-Z][A-Z_]+)$/,
    reason: /^(normal|slow_consumer|payload_too_big|revoked|shutdown|auth_timeout|error|overloaded)$/,
    driver: /^(resend|log)$/,
    provider_kind: /^(user|system)$/,
    direction: /^(in|out)$/,
    code: /^(provider_auth|model_not_found|rate_limited|timeout|unreachable|upstream|interrupted)$/,
    result: /^(finished|failed)$/,
    state: /^(in_use|idle|waiting|completed|missed|rejected|cancelled|busy|dropped)$/,
    command: /^[a-z.]+$/,
    le: /^(\+Inf|[\d.e+-]+)$/,
  };

  it('carries only bounded label values (no user, conversation, file or request ids)', async () => {
    const samples = await scrape();
    const chorus = samples.filter((sample) => sample.name.startsWith('chorus_'));
    expect(chorus.length).toBeGreaterThan(20);
    for (const sample of chorus) {
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(bounded[label], `label ${label} of ${sample.name}`).toBeDefined();
        expect(value, `${sample.name}{${label}}`).toMatch(bounded[label]!);
        // Ids are numbers or random strings: no label value but a bucket bound holds a digit.
        if (label !== 'le') expect(value).not.toMatch(/\d/);
      }
    }
  });
});
