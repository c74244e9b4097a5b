// A push committed while its server dies is delivered by the next one: the outbox is in the
// database, not in the process.
import { pushOutbox, type TPushPayload } from '@chorus/db';
import { createTestClient, startFakeWebPush, testVapidKeys, type FakeWebPush } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServerProcess, useServerBackends, type ServerProcess } from './server-process';

const backends = useServerBackends();
let fake: FakeWebPush;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  fake = await startFakeWebPush();
});
afterAll(async () => {
  for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.exited));
  await fake?.stop();
});

async function start(): Promise<ServerProcess> {
  const vapid = testVapidKeys();
  const server = await spawnServerProcess({
    DATABASE_URL: backends.database.url,
    REDIS_URL: backends.redis.url,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: vapid.subject,
    // The fake push service listens on loopback with the test certificate.
    PUSH_ALLOW_PRIVATE_NETWORKS: 'true',
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
  });
  servers.push(server);
  return server;
}

describe('push outbox across a crash', () => {
  it('delivers what a SIGKILLed server left pending, once', async () => {
    const first = await start();
    const guest = await createTestClient(first.url).auth.guest.mutate();
    const client = createTestClient(first.url, { token: guest.token });
    const { deviceId } = await client.push.registerDevice.mutate({ kind: 'webpush', subscription: fake.subscription() });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    // Committed just before the crash: one never claimed, one claimed by the dead process whose lease has run out.
    const now = Date.now();
    const payload = (messageId: number): TPushPayload => ({ type: 'message', conversationId: 1, messageId, title: 'Crash', body: `survived ${messageId}` });
    const row = {
      deviceId,
      userId: guest.user.id,
      ttlSeconds: 600,
      expiresAt: new Date(now + 600_000),
      createdAt: new Date(now),
      nextAttemptAt: new Date(now),
    };
    await backends.database.db.insert(pushOutbox).values([
      { ...row, payload: payload(1) },
      { ...row, payload: payload(2), attempts: 1, lockedUntil: new Date(now - 1000) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.received).toEqual([]);

    await start();
    await fake.waitFor((push) => (push.payload as TPushPayload).messageId === 1, 30_000);
    await fake.waitFor((push) => (push.payload as TPushPayload).messageId === 2, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fake.received.map((push) => (push.payload as TPushPayload).messageId).sort()).toEqual([1, 2]);
  });
});
