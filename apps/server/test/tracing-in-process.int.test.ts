import { startTracing, type Tracing } from '@chorus/runtime';
import {
  collectEvents,
  startMailedTestServer,
  startOtlpReceiver,
  startTestServer,
  type MailedTestServer,
  type OtlpReceiver,
  type TestAccount,
  type EventCollector,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Tracing started inside a running process, for one app and not another: what a benchmark
// comparing tracing off and on in one run does (docs/tracing.md).
let receiver: OtlpReceiver;
let untraced: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let conversationId: number;
/**
 * The live copies sent to the untraced instance, where ben listens: each event's copy goes to
 * the sharded channel of every instance with a listener of a recipient, or straight to the
 * publishing instance's own hub when that instance is the one.
 */
const messages: string[] = [];
let listener: TestServer['deps']['redis'];
let benEvents: EventCollector;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  untraced = await startMailedTestServer();
  ann = await untraced.accounts.register('ann');
  ben = await untraced.accounts.register('ben');
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
  const { redis, realtime } = untraced.server.deps;
  const instanceId = realtime.hub.instanceId;
  listener = redis.duplicate();
  listener.on('smessage', (_channel: string, message: string) => messages.push(message));
  await listener.ssubscribe(`chorus:{i${instanceId}}:ev`);
  // A copy published by this instance for its own listener is handed to its hub in-process
  // (ADR 0057), not sent on the channel: the same text, read here as it is handed over.
  const hub = realtime.hub;
  const receive = hub.receive.bind(hub);
  hub.receive = (message: string) => {
    messages.push(message);
    receive(message);
  };
  // Live copies go only to instances holding a route of a recipient: wait for ben's.
  benEvents = collectEvents(ben.client);
  for (let tries = 0; (await redis.hexists(`chorus:{u${ben.id}}:r`, instanceId)) === 0; tries++) {
    if (tries === 100) throw new Error("ben's route was never registered");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  benEvents?.stop();
  listener?.disconnect();
  await untraced?.stop();
  await receiver?.close();
});

let sends = 0;
/** Sends through `url` and returns the first line of its event's live copy: `eventId[ traceparent]`. */
async function sendAndHead(url: string): Promise<string> {
  const clientId = `in-process-${++sends}`;
  const response = await fetch(`${url}/trpc/chat.send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.token}` },
    body: JSON.stringify({ json: { conversationId, clientId, kind: 'text', text: `hello ${sends}` } }),
  });
  expect(response.status).toBe(200);
  await expect.poll(() => messages.find((message) => message.includes(clientId)), { timeout: 5_000 }).toBeDefined();
  const message = messages.find((entry) => entry.includes(clientId))!;
  return message.slice(0, message.indexOf('\n'));
}

describe('tracing started in-process', () => {
  let tracing: Tracing;
  let traced: TestServer;

  it('off: an event carries nothing beyond its id, and nothing is exported', async () => {
    const head = await sendAndHead(untraced.server.url);
    expect(head.split(' ')).toHaveLength(1);
    expect(receiver.spans).toEqual([]);
  });

  it("on for one app: its events carry the call's traceparent and its spans are exported; the other app stays untraced", async () => {
    tracing = startTracing({ endpoint: receiver.url, sampleRatio: 1, exportDelayMs: 50, resourceAttributes: { 'service.instance.id': 'traced' } });
    traced = await startTestServer({ database: untraced.server.database, redisUrl: untraced.server.redisService!.url, tracer: tracing.tracer });

    const head = await sendAndHead(traced.url);
    const [, traceparent] = head.split(' ');
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '');
    expect(match).not.toBeNull();
    const spans = await receiver.waitFor((all) => {
      const trace = all.filter((span) => span.traceId === match![1]);
      return trace.some((span) => span.name === 'chat.send') && trace.some((span) => span.name === 'event publish') ? trace : null;
    });
    // The traceparent on the event is the publish span's.
    expect(spans.find((span) => span.name === 'event publish')?.spanId).toBe(match![2]);
    expect(spans.every((span) => span.resource['service.instance.id'] === 'traced')).toBe(true);

    // The untraced app in the same process: nothing on its events, no spans of its calls.
    const exported = receiver.spans.length;
    expect((await sendAndHead(untraced.server.url)).split(' ')).toHaveLength(1);
    await tracing.flush();
    expect(receiver.spans.slice(exported).filter((span) => span.name === 'chat.send')).toEqual([]);
  });

  it('off again after shutdown: the process is back to no trace context at all', async () => {
    await traced.stop();
    await tracing.shutdown();
    const exported = receiver.spans.length;
    expect((await sendAndHead(untraced.server.url)).split(' ')).toHaveLength(1);
    expect(receiver.spans.length).toBe(exported);
  });
});
