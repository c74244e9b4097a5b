// Debian's real Prometheus scrapes two Chorus instances (one database, one Redis) every second
// while users sign in, chat in a group, stream an AI answer from the fake provider, upload a file
// place a call and get a Web Push; then every metric family of docs/metrics.md has a non-zero value in
// Prometheus, both instances are up, and the alert rules of deploy/ load and evaluate healthy.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeChorusClient } from '@chorus/client';
import {
  collectAiStream,
  collectEvents,
  createTestClient,
  fakeWords,
  isTitleRequest,
  repoRoot,
  startFakeOpenAi,
  startFakeWebPush,
  startMailedTestServer,
  startTestPrometheus,
  startTestServer,
  TEST_PASSWORD,
  uploadWithTus,
  type FakeOpenAi,
  type MailedTestServer,
  type PrometheusService,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardMetricNames, documentedFamilies, type Family } from './observability-files';

let a: MailedTestServer;
let b: TestServer;
let fake: FakeOpenAi;
let prometheus: PrometheusService;
let ann: TestAccount;
let bob: TestAccount;

const ALERTS = join(repoRoot, 'deploy/prometheus/alerts.yml');

beforeAll(async () => {
  const linkSecret = randomBytes(32);
  // A one-second Redis window: the stream archiver moves events during the run.
  const appConfig = { eventRedisWindowMs: 1000 };
  [a, fake] = await Promise.all([startMailedTestServer({ metrics: true, files: { linkSecret }, appConfig }), startFakeOpenAi()]);
  b = await startTestServer({
    database: a.server.database,
    redisUrl: a.server.redisService!.url,
    metrics: true,
    files: { storage: a.server.deps.files.storage, linkSecret },
    appConfig,
  });
  prometheus = await startTestPrometheus({ targets: [a.server.metricsUrl!, b.metricsUrl!], scrapeIntervalMs: 1000, ruleFiles: [ALERTS] });
  // Replies by the user's last words: a slow answer to "hello", the provider refusing "again".
  fake.respondWith((request) => {
    if (isTitleRequest(request)) return { tokens: ['A title'] };
    const content = request.body?.messages?.at(-1)?.content;
    return content === 'hello' ? { tokens: fakeWords(30), tokensPerSecond: 10 } : content === 'again' ? { failStatus: 401 } : undefined;
  });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.allSettled([b?.stop(), fake?.close()]);
  await a?.stop();
});

/** Registration (mailed codes) and a sign-in, a group chat across instances, a resync, a socket closed. */
async function chatTraffic(): Promise<void> {
  [ann, bob] = await Promise.all([a.accounts.register('ann'), a.accounts.register('bob')]);
  const signedIn = await a.accounts.anon().auth.login.mutate({ login: 'bob', password: TEST_PASSWORD });
  const bobOnB = createTestClient(b.url, { token: signedIn.token });
  const events = collectEvents(bobOnB);
  const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'ops', memberIds: [bob.id] });
  await ann.client.chat.send.mutate({ conversationId, clientId: 'm1', kind: 'text', text: 'hello from A' });
  await events.waitFor((event) => event.type === 'message.created', 10_000);
  // A position the log does not know: the stream tells the subscriber to resync.
  const lost = createTestClient(b.url, { token: bob.token });
  const resync = collectEvents(lost, '1-0');
  await resync.waitFor((event) => event.type === 'resync', 10_000);
  await closeChorusClient(lost); // a normal close
  // bobOnB stays subscribed: open sockets and subscriptions are non-zero at every scrape.
}

/** One answer streamed at 10 tokens/s (the active-generation gauge is scraped meanwhile), one refused by the provider. */
async function aiTraffic(): Promise<void> {
  const config = await ann.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
  const conversation = await ann.client.ai.conversations.create.mutate({ configId: config.id, title: 'ops' });
  const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hello', clientId: 'ai1' });
  const stream = collectAiStream(ann.client, sent.assistantMessageId);
  await prometheus.waitFor('sum(chorus_ai_generations_active)', (samples) => (samples[0]?.value ?? 0) > 0, 10_000);
  await stream.waitFor((event) => event.type === 'done', 15_000);
  const refused = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'again', clientId: 'ai2' });
  await collectAiStream(ann.client, refused.assistantMessageId).waitFor((event) => event.type === 'error', 15_000);
}

async function otherTraffic(): Promise<void> {
  await uploadWithTus(b.url, randomBytes(256 * 1024), { token: ann.token, filename: 'ops.bin' });
  // A call ends cancelled (friends may call each other).
  const request = await ann.client.friends.request.mutate({ userId: bob.id });
  await bob.client.friends.respond.mutate({ requestId: request.id, accept: true });
  const { callId } = await ann.client.calls.start.mutate({ calleeId: bob.id, media: 'audio' });
  await ann.client.calls.cancel.mutate({ callId });
  // Ann has no socket open: bob's direct message reaches her browser by Web Push.
  const webPush = await startFakeWebPush();
  try {
    await ann.client.push.registerDevice.mutate({ kind: 'webpush', subscription: webPush.subscription() });
    const direct = await bob.client.chat.openDirect.mutate({ userId: ann.id });
    await bob.client.chat.send.mutate({ conversationId: direct.conversationId, clientId: 'push1', kind: 'text', text: 'are you there?' });
    await webPush.waitFor(undefined, 15_000);
  } finally {
    await webPush.stop();
  }
  // Last, so that the failing mail has not yet raised its alert when the rules are checked.
  // The mail provider fails for a while: the mail waits in the outbox, each attempt counts as a failure.
  a.mail.failNext(20, 500);
  await a.accounts.anon().auth.register.mutate({ email: 'cat@example.com', username: 'cat', password: TEST_PASSWORD });
  await prometheus.waitFor('max(chorus_mail_outbox_pending)', (samples) => (samples[0]?.value ?? 0) > 0, 15_000);
}

/** PromQL that is non-zero once the family has recorded something: counters and histograms now, gauges at some scrape. */
function nonZeroQuery(family: Family): string {
  if (family.type === 'histogram') return `sum(${family.name}_count)`;
  if (family.type === 'gauge') return `max(max_over_time(${family.name}[5m]))`;
  return `sum(${family.name})`;
}

describe('Prometheus scraping two Chorus instances', () => {
  it('sees every metric family with a non-zero value, from both instances, and loads the alert rules healthy', { timeout: 120_000 }, async () => {
    const instances = [a.server.metricsUrl!, b.metricsUrl!].map((url) => new URL(url).host).sort();
    const up = await prometheus.waitFor('up', (samples) => samples.length === 2 && samples.every((sample) => sample.value === 1), 15_000);
    expect(up.map((sample) => sample.metric['instance']).sort()).toEqual(instances);

    await chatTraffic();
    await aiTraffic();
    await otherTraffic();

    const families = documentedFamilies();
    expect(families.length).toBeGreaterThanOrEqual(24);
    const results = await Promise.all(
      families.map(async (family) => {
        const samples = await prometheus.waitFor(nonZeroQuery(family), (found) => (found[0]?.value ?? 0) > 0, 15_000).catch(() => []);
        return [family.name, samples[0]?.value ?? 0] as const;
      }),
    );
    expect(results.filter(([, value]) => !(value > 0)).map(([name]) => name)).toEqual([]);

    // Both instances served calls and reported their process; Prometheus labelled each by instance.
    for (const promql of [
      'sum by (instance) (chorus_rpc_duration_seconds_count)',
      'sum by (instance) (process_cpu_seconds_total)',
      'sum by (instance) (chorus_ws_connections)',
    ]) {
      const byInstance = await prometheus.waitFor(promql, (samples) => samples.length === 2, 10_000);
      expect(byInstance.map((sample) => sample.metric['instance']).sort()).toEqual(instances);
    }
    const sends = await prometheus.query('sum(chorus_rpc_duration_seconds_count{procedure="chat.send", transport="http", type="mutation", outcome="ok"})');
    expect(sends[0]?.value).toBeGreaterThanOrEqual(1);

    // Every series the dashboard draws exists in this scrape.
    const names = new Set((await prometheus.query('group by (__name__) ({job="chorus"})')).map((sample) => sample.metric['__name__']));
    expect(dashboardMetricNames().filter((name) => !names.has(name))).toEqual([]);

    // The alert rules load and evaluate without error; with both instances up, none pages.
    const groups = await prometheus.rules();
    expect(groups.map((group) => group.name).sort()).toEqual(['chorus-availability', 'chorus-calls', 'chorus-dependencies', 'chorus-realtime']);
    const rules = groups.flatMap((group) => group.rules);
    const declared = [...readFileSync(ALERTS, 'utf8').matchAll(/^\s+- alert: (\w+)$/gm)].map((match) => match[1]);
    expect(rules.map((rule) => rule.name).sort()).toEqual(declared.sort());
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([]);
    expect(await prometheus.query('ALERTS{severity="critical"}')).toEqual([]);
  });
});
