import { startMailedTestServer, type FakeResend, type MailedTestServer, type TestAccount, type TestServer } from '@chorus/testing';
import { pushJobs } from '@chorus/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addDevice,
  befriend,
  clearOutbox,
  fannedOut,
  online,
  pushesTo,
  setMember,
  setSettings,
  text,
  registerAll,
  holdFailedPushes,
} from './push-fanout-fixture';

let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let bob: TestAccount;
let cat: TestAccount;
let dan: TestAccount;
let eli: TestAccount;
let group: number;
let direct: number;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer({ jobs: holdFailedPushes }));
  [ann, bob, cat, dan, eli] = await registerAll(accounts, ['ann', 'bob', 'cat', 'dan', 'eli']);
  await befriend(ann, bob);
  direct = (await ann.client.chat.openDirect.mutate({ userId: bob.id })).conversationId;
  group = (await ann.client.chat.createGroup.mutate({ name: 'Lunch', memberIds: [bob.id, cat.id, dan.id, eli.id] })).conversationId;
  for (const account of [ann, bob, cat, dan, eli]) await addDevice(server.deps.db, account);
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});
beforeEach(async () => {
  await fannedOut(server.deps.db);
  await clearOutbox(server.deps.db);
});

const db = () => server.deps.db;

describe('who is pushed for a message', () => {
  it('an offline receiver of a direct message, with the text, a collapse key per conversation and the unread badge', async () => {
    const sent = await ann.client.chat.send.mutate(text(direct, 'are you there?'));
    const [row] = await pushesTo(db(), bob);
    expect(row).toMatchObject({
      collapseKey: `c${direct}`,
      urgency: 'normal',
      ttlSeconds: 86_400,
      badge: 1,
      status: 'pending',
      payload: { type: 'message', conversationId: direct, messageId: sent.id, title: 'ann', body: 'are you there?', url: `/chat/${direct}` },
    });
    // Due at once (a failed attempt may have moved nextAttemptAt since), worth a day.
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(86_400_000);
    // Never the sender.
    expect(await pushesTo(db(), ann)).toEqual([]);
  });

  it('not a user with a visible client; a client reported hidden (away) counts as not connected', async () => {
    const bobOnline = await online(bob);
    await ann.client.chat.send.mutate(text(direct, 'you are online'));
    expect(await pushesTo(db(), bob)).toEqual([]);

    await bob.client.presence.set.mutate({ status: 'away' });
    await ann.client.chat.send.mutate(text(direct, 'you went away'));
    expect((await pushesTo(db(), bob)).map((row) => row.payload?.body)).toEqual(['you went away']);
    bobOnline.stop();
    await bob.client.presence.set.mutate({ status: 'online' });
  });

  it('in a group: mentions at the default level, everything at `all`, nothing at `none` or while muted', async () => {
    await setMember(db(), group, dan, { notifyLevel: 'all' });
    await setMember(db(), group, eli, { notifyLevel: 'none' });
    await ann.client.chat.send.mutate(text(group, 'plain message'));
    await fannedOut(db());
    expect(await pushesTo(db(), bob)).toEqual([]);
    expect((await pushesTo(db(), dan)).map((row) => row.payload)).toMatchObject([{ type: 'message', title: 'ann in Lunch', body: 'plain message' }]);

    await clearOutbox(db());
    await setMember(db(), group, cat, { mutedUntil: new Date(Date.now() + 3_600_000) });
    const sent = await ann.client.chat.send.mutate(text(group, 'hi @bob @cat @eli'));
    expect((await pushesTo(db(), bob)).map((row) => row.payload)).toMatchObject([{ type: 'mention', messageId: sent.id, conversationId: group }]);
    expect(await pushesTo(db(), cat)).toEqual([]);
    expect(await pushesTo(db(), eli)).toEqual([]);
    expect((await pushesTo(db(), dan))[0]).toMatchObject({ payload: { type: 'message' } });

    // A mute that ended no longer holds.
    await setMember(db(), group, cat, { mutedUntil: new Date(Date.now() - 1000) });
    await ann.client.chat.send.mutate(text(group, 'again @cat'));
    expect((await pushesTo(db(), cat)).map((row) => row.payload?.type)).toEqual(['mention']);
    await setMember(db(), group, dan, { notifyLevel: 'default' });
    await setMember(db(), group, eli, { notifyLevel: 'default' });
  });

  it('a reply to their message and a thread reply they follow address them; others in the thread are not pushed', async () => {
    const root = await cat.client.chat.send.mutate(text(group, 'who wants pizza?'));
    await fannedOut(db());
    await clearOutbox(db());
    await ann.client.chat.send.mutate(text(group, 'me', { replyToId: root.id }));
    expect((await pushesTo(db(), cat)).map((row) => row.payload?.type)).toEqual(['reply']);
    expect(await pushesTo(db(), bob)).toEqual([]);

    await clearOutbox(db());
    // cat (the root's author) follows the thread; dan at `all` does not hear thread replies he does not follow.
    await setMember(db(), group, dan, { notifyLevel: 'all' });
    await bob.client.chat.send.mutate(text(group, 'in the thread', { threadRootId: root.id }));
    expect((await pushesTo(db(), cat)).map((row) => row.payload)).toMatchObject([{ type: 'thread_reply', body: 'in the thread' }]);
    expect(await pushesTo(db(), dan)).toEqual([]);
    await setMember(db(), group, dan, { notifyLevel: 'default' });
  });

  it('a direct chat at level `none` is not pushed; the user default for direct chats applies', async () => {
    await setSettings(db(), bob, { directLevel: 'none' });
    await ann.client.chat.send.mutate(text(direct, 'silenced by default'));
    expect(await pushesTo(db(), bob)).toEqual([]);
    await setMember(db(), direct, bob, { notifyLevel: 'all' });
    await ann.client.chat.send.mutate(text(direct, 'but this one is on'));
    expect((await pushesTo(db(), bob)).map((row) => row.payload?.body)).toEqual(['but this one is on']);
    await setMember(db(), direct, bob, { notifyLevel: 'default' });
    await setSettings(db(), bob, { directLevel: 'all' });
  });

  it('never across a block, even for a mention in a shared group', async () => {
    await bob.client.friends.block.mutate({ userId: ann.id });
    await ann.client.chat.send.mutate(text(group, 'hey @bob'));
    expect(await pushesTo(db(), bob)).toEqual([]);
    await bob.client.friends.unblock.mutate({ userId: ann.id });
  });

  it('reads the message as it is at fan-out: deleted is not pushed, edited shows the new text', async () => {
    const gone = await ann.client.chat.send.mutate(text(group, 'oops @cat'));
    const edited = await ann.client.chat.send.mutate(text(group, 'tpyo @cat'));
    await fannedOut(db());
    await clearOutbox(db());
    await ann.client.chat.delete.mutate({ messageId: gone.id });
    await ann.client.chat.edit.mutate({ messageId: edited.id, text: 'typo fixed @cat' });
    // As if the fan-out had not run yet when they changed: their jobs are still to expand.
    await db()
      .insert(pushJobs)
      .values([
        { kind: 'message', refId: gone.id },
        { kind: 'message', refId: edited.id },
      ]);
    expect((await pushesTo(db(), cat)).map((row) => row.payload)).toMatchObject([{ messageId: edited.id, body: 'typo fixed @cat' }]);
  });

  it('several jobs for one user in one pass: a push per conversation, the later message of one conversation standing', async () => {
    const inDirect = await ann.client.chat.send.mutate(text(direct, 'first, direct'));
    const inGroup = await ann.client.chat.send.mutate(text(group, 'second @bob'));
    const later = await ann.client.chat.send.mutate(text(group, 'third @bob'));
    await fannedOut(db());
    await clearOutbox(db());
    // One insert: the fan-out's next pass claims all three together.
    await db()
      .insert(pushJobs)
      .values([inDirect, inGroup, later].map((message) => ({ kind: 'message' as const, refId: message.id })));
    const rows = await pushesTo(db(), bob);
    expect(rows.map((row) => [row.collapseKey, row.payload?.messageId]).sort()).toEqual(
      [
        [`c${direct}`, inDirect.id],
        [`c${group}`, later.id],
      ].sort(),
    );
  });
});
