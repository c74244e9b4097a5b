import { createAppDeps, runNotificationCleanupIfDue, type NotificationCleanupConfig } from '@chorus/api';
import { notifications } from '@chorus/db';
import {
  collectEvents,
  createShiftableClock,
  failure,
  startMailedTestServer,
  type FakeResend,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let hal: TestAccount;
let ida: TestAccount;
let jon: TestAccount;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
  hal = await accounts.register('hal');
  ida = await accounts.register('ida');
  jon = await accounts.register('jon');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

describe('notifications', () => {
  it('arrive live for an online user and are listed for an offline one', async () => {
    const idaEvents = collectEvents(ida.client);
    await idaEvents.waitFor((event) => event.type === 'presence.snapshot');
    const request = await hal.client.friends.request.mutate({ userId: ida.id });
    const live = await idaEvents.waitFor((event) => event.type === 'notification' && event.notification.type === 'friend_request');
    expect(live).toMatchObject({ notification: { payload: { requestId: request.id, fromUserId: hal.id }, readAt: null } });
    idaEvents.stop();

    // hal is offline when ida accepts: the notification waits in the list.
    await ida.client.friends.respond.mutate({ requestId: request.id, accept: true });
    expect(await hal.client.notifications.unreadCount.query()).toEqual({ count: 1 });
    const listed = await hal.client.notifications.list.query({ unreadOnly: true });
    expect(listed.items).toMatchObject([{ type: 'friend_accepted', payload: { requestId: request.id, userId: ida.id } }]);
  });

  it('mentions notify the mentioned member only', async () => {
    const { conversationId } = await hal.client.chat.createGroup.mutate({ name: 'mentions', memberIds: [ida.id] });
    await hal.client.chat.send.mutate({ conversationId, clientId: 'mention-1', kind: 'text', text: 'hey @ida and @jon and @hal' });
    const idaList = await ida.client.notifications.list.query();
    expect(idaList.items.find((item) => item.type === 'mention')).toMatchObject({ payload: { conversationId, senderId: hal.id } });
    // jon is not in the conversation; hal wrote it.
    expect((await jon.client.notifications.list.query()).items.filter((item) => item.type === 'mention')).toHaveLength(0);
    expect((await hal.client.notifications.list.query()).items.filter((item) => item.type === 'mention')).toHaveLength(0);
  });

  it('marks read, deletes and clears only the caller’s own', async () => {
    const idaItems = (await ida.client.notifications.list.query()).items;
    const halItems = (await hal.client.notifications.list.query()).items;
    expect(await hal.client.notifications.markRead.mutate({ ids: idaItems.map((item) => item.id) })).toEqual({ updated: 0 });
    expect(await failure(hal.client.notifications.delete.mutate({ id: idaItems[0]!.id }))).toBe('NOT_FOUND');
    expect(await ida.client.notifications.markRead.mutate({ ids: [idaItems[0]!.id] })).toEqual({ updated: 1 });
    expect(await ida.client.notifications.markRead.mutate({ all: true })).toEqual({ updated: idaItems.length - 1 });
    expect(await ida.client.notifications.unreadCount.query()).toEqual({ count: 0 });
    await ida.client.notifications.delete.mutate({ id: idaItems[0]!.id });
    expect(await ida.client.notifications.clear.mutate()).toEqual({ deleted: idaItems.length - 1 });
    expect((await hal.client.notifications.list.query()).items).toHaveLength(halItems.length);
  });

  it('the cleanup runs once per period across three instances and spares unread recent ones', async () => {
    const config: NotificationCleanupConfig = { readMaxAgeMs: 60_000, maxAgeMs: 3_600_000, everyMs: 600_000 };
    const now = clock.now();
    const old = new Date(now.getTime() - 2 * 60_000);
    const ancient = new Date(now.getTime() - 2 * 3_600_000);
    await server.deps.db.insert(notifications).values([
      { userId: jon.id, type: 'system', payload: { n: 'read-old' }, readAt: old, createdAt: old },
      { userId: jon.id, type: 'system', payload: { n: 'unread-ancient' }, createdAt: ancient },
      { userId: jon.id, type: 'system', payload: { n: 'unread-old' }, createdAt: old },
      { userId: jon.id, type: 'system', payload: { n: 'read-recent' }, readAt: now, createdAt: now },
    ]);
    const instances = await Promise.all(
      [1, 2].map(() => createAppDeps({ db: server.deps.db, redis: server.deps.redis, logger: pino({ level: 'silent' }), clock })),
    );
    const results = await Promise.all([server.deps, ...instances].map((deps) => runNotificationCleanupIfDue(deps, config)));
    expect(results.filter((result) => result !== null)).toEqual([2]);
    const left = await server.deps.db.select().from(notifications).where(eq(notifications.userId, jon.id));
    expect(left.map((row) => row.payload['n']).sort()).toEqual(['read-recent', 'unread-old']);
    // Same period: nobody runs it again.
    expect(await runNotificationCleanupIfDue(instances[0]!, config)).toBeNull();
    await Promise.all(instances.map((deps) => deps.close()));
  });
});
