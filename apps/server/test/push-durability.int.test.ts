import { createAppDeps } from '@chorus/api';
import { pushJobs, pushOutbox } from '@chorus/db';
import {
  createTestClient,
  createTestDatabase,
  startMailedTestServer,
  startTestServer,
  type MailedTestServer,
  type TestDatabase,
  type TestServer,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { addDevice, befriend, fannedOut, jobsLeft, online, outboxOf, pushesTo, sleep, text, registerAll, holdFailedPushes } from './push-fanout-fixture';

const silent = pino({ level: 'silent' });

describe('durability: the push job commits with its cause', () => {
  let database: TestDatabase;
  let first: MailedTestServer;
  let restarted: TestServer | undefined;
  afterAll(async () => {
    await restarted?.stop();
    await first?.stop().catch(() => undefined);
    await database?.drop();
  });

  it('a job left by a process that died after the commit is expanded by the next one; a refused send leaves none', async () => {
    database = await createTestDatabase();
    // This server's fan-out looks for jobs only when its own services wake it.
    first = await startMailedTestServer({ database, jobs: { ...holdFailedPushes, pushFanout: { pollMs: 3_600_000 } } });
    const [ann, bob, cat] = await registerAll(first.accounts, ['ann', 'bob', 'cat']);
    await befriend(ann, bob);
    const direct = (await ann.client.chat.openDirect.mutate({ userId: bob.id })).conversationId;
    await addDevice(database.db, bob);
    await fannedOut(database.db);

    // Another process commits a message through its send queue and dies before any fan-out.
    const dying = await createAppDeps({ db: database.db, redis: first.server.deps.redis, logger: silent });
    const draft = (clientId: string, senderId: number) => ({
      conversationId: direct,
      senderId,
      clientId,
      kind: 'text' as const,
      text: 'sent just before the crash',
      attachment: null,
      replyToId: null,
      mentions: null,
      createdAt: new Date(),
    });
    const committed = await dying.sendQueue.commit(draft('crash-1', ann.id));
    // Refused sends roll back with their job: a stranger, and a reused client id.
    await expect(dying.sendQueue.commit(draft('crash-2', cat.id))).rejects.toThrow();
    await expect(dying.sendQueue.commit(draft('crash-1', ann.id))).rejects.toThrow();
    await dying.close();
    await sleep(200);
    const jobs = await database.db.select().from(pushJobs);
    expect(jobs.map((job) => [job.kind, job.refId])).toEqual([['message', committed.row.id]]);
    expect(await outboxOf(database.db, bob.id)).toEqual([]);

    await first.stop();
    restarted = await startTestServer({ database, jobs: holdFailedPushes });
    const rows = await pushesTo(database.db, bob);
    expect(rows.map((row) => row.payload)).toMatchObject([{ messageId: committed.row.id, body: 'sent just before the crash' }]);
    expect(await jobsLeft(database.db)).toBe(0);
  });
});

describe('two instances', () => {
  let a: MailedTestServer;
  let b: TestServer;
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a user online on instance A is not pushed for a message instance B commits; an offline one is', async () => {
    a = await startMailedTestServer({ jobs: holdFailedPushes });
    b = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url, jobs: holdFailedPushes });
    const [ann, bob, cat] = await registerAll(a.accounts, ['ann', 'bob', 'cat']);
    const group = (await ann.client.chat.createGroup.mutate({ name: 'Two', memberIds: [bob.id, cat.id] })).conversationId;
    for (const account of [bob, cat]) await addDevice(a.server.deps.db, account);
    // bob's client (like every account's here) talks to instance A.
    const bobOnA = await online(bob);

    const annOnB = createTestClient(b.url, { token: ann.token });
    for (let index = 0; index < 5; index += 1) await annOnB.chat.send.mutate(text(group, `@bob @cat round ${index}`));
    await fannedOut(a.server.deps.db);
    expect(await outboxOf(a.server.deps.db, bob.id)).toEqual([]);
    const catRows = await a.server.deps.db.select().from(pushOutbox).where(eq(pushOutbox.userId, cat.id));
    expect(catRows.length).toBeGreaterThanOrEqual(1);
    expect(catRows.every((row) => row.payload?.type === 'mention')).toBe(true);
    bobOnA.stop();
  });
});
