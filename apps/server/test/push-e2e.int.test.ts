// From the cause to the push service: devices registered through the API with a subscription of
// the fake Web Push service, which checks VAPID and decrypts what it receives.
import {
  createTestClient,
  startFakeWebPush,
  startMailedTestServer,
  startTestServer,
  type FakeWebPush,
  type MailedTestServer,
  type ReceivedWebPush,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, fannedOut, online, registerAll, sleep, text } from './push-fanout-fixture';

let fake: FakeWebPush;
let env: MailedTestServer;
let other: TestServer;
let ann: TestAccount;
let bob: TestAccount;
let cat: TestAccount;
let direct: number;
let group: number;

beforeAll(async () => {
  fake = await startFakeWebPush();
  env = await startMailedTestServer();
  other = await startTestServer({ database: env.server.database, redisUrl: env.server.redisService!.url });
  [ann, bob, cat] = await registerAll(env.accounts, ['ann', 'bob', 'cat']);
  await befriend(ann, bob);
  direct = (await ann.client.chat.openDirect.mutate({ userId: bob.id })).conversationId;
  group = (await ann.client.chat.createGroup.mutate({ name: 'Crew', memberIds: [bob.id, cat.id] })).conversationId;
  for (const account of [bob, cat]) await account.client.push.registerDevice.mutate({ kind: 'webpush', subscription: fake.subscription() });
});
afterAll(async () => {
  await other?.stop();
  await env?.stop();
  await fake?.stop();
});

const messageIdOf = (push: ReceivedWebPush) => (push.payload as { messageId?: number }).messageId;
const receivedFor = (messageId: number) => fake.received.filter((push) => messageIdOf(push) === messageId);

describe('push end to end', () => {
  it('an offline user’s browser gets the decrypted message, topic per conversation, and the badge', async () => {
    const sent = await ann.client.chat.send.mutate(text(direct, 'dinner at 8?'));
    const push = await fake.waitFor((received) => messageIdOf(received) === sent.id);
    expect(push.payload).toEqual({
      type: 'message',
      conversationId: direct,
      messageId: sent.id,
      title: 'ann',
      body: 'dinner at 8?',
      url: `/chat/${direct}`,
      badge: 1,
    });
    expect(push).toMatchObject({ ttl: 86_400, urgency: 'normal', topic: `c${direct}` });
  });

  it('a mention in a group reaches the mentioned user only; a user online elsewhere gets nothing', async () => {
    const catOnline = await online(cat);
    const sent = await ann.client.chat.send.mutate(text(group, 'ping @bob @cat'));
    const push = await fake.waitFor((received) => messageIdOf(received) === sent.id);
    expect(push.payload).toMatchObject({ type: 'mention', title: 'ann in Crew', body: 'ping @bob @cat' });
    await fannedOut(env.server.deps.db);
    await sleep(300);
    expect(receivedFor(sent.id)).toHaveLength(1);
    catOnline.stop();
  });

  it('a message committed by another instance is pushed once, whichever instance expands it', async () => {
    const annOnOther = createTestClient(other.url, { token: ann.token });
    const sent = await annOnOther.chat.send.mutate(text(direct, 'from the other instance'));
    await fake.waitFor((received) => messageIdOf(received) === sent.id);
    await sleep(500);
    expect(receivedFor(sent.id)).toHaveLength(1);
  });

  it('an incoming call rings with high urgency and a 30 s TTL', async () => {
    const { callId } = await ann.client.calls.start.mutate({ calleeId: bob.id, media: 'audio' });
    const push = await fake.waitFor((received) => (received.payload as { type?: string }).type === 'call');
    expect(push).toMatchObject({ urgency: 'high', ttl: 30, payload: { type: 'call', title: 'ann', body: 'Incoming call' } });
    await ann.client.calls.cancel.mutate({ callId });
  });
});
