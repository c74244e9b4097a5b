// Shared steps of the push fan-out tests (not a test file itself).
import { conversationMembers, notificationSettings, pushDevices, pushJobs, pushOutbox, sessions, type Db, type TPushOutboxRow } from '@chorus/db';
import { collectEvents, type EventCollector, type TestAccount } from '@chorus/testing';
import { createECDH, randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';

/**
 * Background-job settings for tests that read the outbox rows the fan-out writes: the devices'
 * endpoints are unreachable, and a failed attempt waits an hour, so a row keeps its payload and
 * stays pending (the delivery worker's own tests cover what happens next).
 */
export const holdFailedPushes = { push: { backoff: { baseMs: 3_600_000, maxMs: 3_600_000 } } };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let clientIds = 0;
export const text = (conversationId: number, body: string, extra: { replyToId?: number; threadRootId?: number } = {}) => ({
  conversationId,
  clientId: `p${++clientIds}-${Date.now()}`,
  kind: 'text' as const,
  text: body,
  ...extra,
});

/** A Web Push device of the account's session, written as the devices API would. */
export async function addDevice(db: Db, account: TestAccount): Promise<number> {
  const [session] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, account.id)).orderBy(desc(sessions.createdAt)).limit(1);
  const [result] = await db.insert(pushDevices).values({
    userId: account.id,
    sessionId: session!.id,
    kind: 'webpush',
    fingerprint: randomBytes(32).toString('hex'),
    // Nothing listens there: every attempt fails and is retried (see holdFailedPushes).
    endpoint: `https://127.0.0.1:9/push/${account.username}`,
    p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
  });
  return result.insertId;
}

export const outboxOf = (db: Db, userId: number): Promise<TPushOutboxRow[]> =>
  db.select().from(pushOutbox).where(eq(pushOutbox.userId, userId)).orderBy(pushOutbox.id);

export async function jobsLeft(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(pushJobs);
  return Number(row?.n ?? 0);
}

/** Waits until every push job was expanded (the fan-out decided), so absences can be asserted. */
export async function fannedOut(db: Db, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await jobsLeft(db)) > 0) {
    if (Date.now() > deadline) throw new Error('push jobs were not expanded in time');
    await sleep(20);
  }
}

/** The user's outbox rows once the fan-out has run. */
export async function pushesTo(db: Db, account: TestAccount): Promise<TPushOutboxRow[]> {
  await fannedOut(db);
  return outboxOf(db, account.id);
}

export const clearOutbox = (db: Db) => db.delete(pushOutbox);

export async function setSettings(db: Db, account: TestAccount, settings: Partial<typeof notificationSettings.$inferInsert>): Promise<void> {
  await db
    .insert(notificationSettings)
    .values({ userId: account.id, ...settings })
    .onDuplicateKeyUpdate({ set: settings });
}

export async function setMember(
  db: Db,
  conversationId: number,
  account: TestAccount,
  set: { notifyLevel?: 'default' | 'all' | 'mentions' | 'none'; mutedUntil?: Date | null },
) {
  await db
    .update(conversationMembers)
    .set(set)
    .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, account.id)));
}

/** The account with an open event stream (a visible client): presence says online. */
export async function online(account: TestAccount): Promise<EventCollector> {
  const events = collectEvents(account.client);
  await events.waitFor((event) => event.type === 'presence.snapshot');
  return events;
}

/** `a` asks, `b` accepts: they are friends. */
export async function befriend(a: TestAccount, b: TestAccount): Promise<void> {
  const request = await a.client.friends.request.mutate({ userId: b.id });
  await b.client.friends.respond.mutate({ requestId: request.id, accept: true });
}

/** Registers one account per name, at once. */
export async function registerAll<const N extends readonly string[]>(
  accounts: { register(name: string): Promise<TestAccount> },
  names: N,
): Promise<{ [K in keyof N]: TestAccount }> {
  return (await Promise.all(names.map((name) => accounts.register(name)))) as { [K in keyof N]: TestAccount };
}
