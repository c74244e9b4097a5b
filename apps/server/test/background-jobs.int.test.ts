// A test server runs the background jobs of the production server (startBackgroundJobs): each
// job is seen here by what it leaves behind in MariaDB, Redis or the fake Resend server.
import { redisNodes } from '@chorus/api';
import { aiConversations, aiMessages } from '@chorus/db';
import { startMailedTestServer, startTestServer, type MailedTestServer, type TestServer } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let b: TestServer | undefined;

beforeAll(async () => {
  a = await startMailedTestServer();
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('background jobs of a test server', () => {
  it('sends queued mail through the driver it was given (the fake Resend server)', async () => {
    // register() reads the sign-up code from the fake Resend server: no worker, no account.
    const ann = await a.accounts.register('ann');
    expect(a.mail.messages.filter((message) => message.to.includes(ann.email))).not.toHaveLength(0);
  });

  it('claims the periods of the notification cleanup, the file cleanup, the call sweep and the pin expiry', async () => {
    const { redis } = a.server.deps;
    // KEYS answers for one server: on a cluster, ask every primary.
    const keys = async (pattern: string) => (await Promise.all(redisNodes(redis).map((node) => node.keys(pattern)))).flat();
    await expect.poll(async () => (await keys('chorus:{job}:notification-cleanup:*')).length).toBeGreaterThan(0);
    await expect.poll(async () => (await keys('chorus:{job}:file-cleanup:*')).length).toBeGreaterThan(0);
    await expect.poll(async () => (await keys('chorus:{job}:calls-sweep:*')).length).toBeGreaterThan(0);
    await expect.poll(async () => (await keys('chorus:{job}:pin-expiry:*')).length).toBeGreaterThan(0);
  });

  it('finalizes a generation its dead process left streaming, as soon as an instance starts', async () => {
    const { db } = a.server.deps;
    const bob = await a.accounts.register('bob');
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const [conversation] = await db.insert(aiConversations).values({ userId: bob.id, createdAt: longAgo, lastActivityAt: longAgo });
    const conversationId = conversation.insertId;
    const [question] = await db
      .insert(aiMessages)
      .values({ conversationId, role: 'user', content: 'hello?', status: 'complete', clientId: 'orphan-question', createdAt: longAgo, completedAt: longAgo });
    const [answer] = await db
      .insert(aiMessages)
      .values({ conversationId, role: 'assistant', content: '', status: 'streaming', replyToId: question.insertId, model: 'gone-model', createdAt: longAgo });

    // A second instance on the same database sweeps at start.
    b = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url });
    await expect
      .poll(async () => (await db.select().from(aiMessages).where(eq(aiMessages.id, answer.insertId)))[0], { timeout: 10_000 })
      .toMatchObject({ status: 'failed', errorCode: 'interrupted' });
  });
});
