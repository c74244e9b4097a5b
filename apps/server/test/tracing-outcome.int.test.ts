// An unexpected failure seen three ways: the call's span, the metric and the log line name the
// same outcome, the app error code the client receives.
import { startTracing, type Tracing } from '@chorus/runtime';
import {
  createTestClient,
  failure,
  metricValue,
  scrapeMetrics,
  startOtlpReceiver,
  startTestServer,
  TEST_PASSWORD,
  type OtlpReceiver,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let receiver: OtlpReceiver;
let tracing: Tracing;
let server: TestServer;
const logs: string[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = startTracing({ endpoint: receiver.url, sampleRatio: 1, exportDelayMs: 50 });
  server = await startTestServer({ tracer: tracing.tracer, metrics: true, captureLogs: logs });
  // Every sign-up's insert now fails inside the database: an error no service expected.
  await server.deps.db.$client.query(
    "CREATE TRIGGER users_refuse_inserts BEFORE INSERT ON users FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'inserts refused'",
  );
});
afterAll(async () => {
  await server?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

describe('the outcome of an internal error', () => {
  it('is INTERNAL on the span, the metric and the log line alike', async () => {
    const input = { email: 'outcome@example.com', username: 'outcome', password: TEST_PASSWORD };
    expect(await failure(createTestClient(server.url).auth.register.mutate(input))).toBe('INTERNAL');

    const span = await receiver.waitFor((spans) => spans.find((candidate) => candidate.name === 'auth.register'));
    expect(span).toMatchObject({ attributes: { 'chorus.outcome': 'INTERNAL' }, status: { code: 2, message: 'INTERNAL' } });

    const samples = await scrapeMetrics(server.metricsUrl!);
    expect(metricValue(samples, 'chorus_rpc_duration_seconds_count', { procedure: 'auth.register', outcome: 'INTERNAL' })).toBe(1);

    const line = logs.map((entry) => JSON.parse(entry) as Record<string, unknown>).find((entry) => entry.procedure === 'auth.register');
    expect(line).toMatchObject({ msg: 'call failed', outcome: 'INTERNAL' });
  });
});
