import { blocks, conversationEvents, conversationMembers, conversations, messageMentions, messages, notifications, users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateKeyOf } from '../db-errors';
import { AppError } from '../errors';
import type { MessageDraft } from './message-batch';
import { SendQueue } from './send-queue';

// Group commit driven directly: with one lane, the first message commits alone and everything
// queued behind it shares the next transaction.
let database: TestDatabase;
let ann: number;
let ben: number;
let cat: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const user = async (name: string) => (await database.db.insert(users).values({ username: name, displayName: name, emailVerifiedAt: new Date() }))[0].insertId;
  ann = await user('ann');
  ben = await user('ben');
  cat = await user('cat');
});
const queues: SendQueue[] = [];
afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await database?.drop();
});

/** A queue with one lane, closed after the tests. */
function openQueue(): SendQueue {
  const queue = new SendQueue(database.db, { lanes: 1 });
  queues.push(queue);
  return queue;
}

async function conversation(kind: 'direct' | 'group', memberIds: number[]): Promise<number> {
  const [created] = await database.db
    .insert(conversations)
    .values({ kind, name: kind === 'group' ? 'g' : null, directKey: kind === 'direct' ? memberIds.join(':') : null });
  await database.db.insert(conversationMembers).values(memberIds.map((userId) => ({ conversationId: created.insertId, userId })));
  return created.insertId;
}

let clientIds = 0;
const draft = (conversationId: number, senderId: number, extra: Partial<MessageDraft> = {}): MessageDraft => ({
  conversationId,
  senderId,
  clientId: `q${++clientIds}`,
  kind: 'text',
  text: `message ${clientIds}`,
  attachment: null,
  replyToId: null,
  mentions: [],
  createdAt: new Date(),
  ...extra,
});

/** Commits all drafts as queued together; the first one runs alone. */
async function commitTogether(queue: SendQueue, drafts: MessageDraft[]) {
  return Promise.allSettled(drafts.map((each) => queue.commit(each)));
}

describe('send queue', () => {
  it('stores messages queued together in one transaction, in order, with consecutive seqs', async () => {
    const group = await conversation('group', [ann, ben]);
    const other = await conversation('group', [ann, cat]);
    const queue = openQueue();
    const drafts = [draft(group, ann), draft(group, ann), draft(other, cat), draft(group, ben), draft(other, ann), draft(group, ann)];
    const results = await commitTogether(queue, drafts);
    expect(queue.stats).toEqual({ transactions: 2, messages: 6 });
    const committed = results.map((result) => (result.status === 'fulfilled' ? result.value : expect.unreachable(String(result.status))));

    const ids = committed.map(({ row }) => row.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(committed.map(({ row }) => row.clientId)).toEqual(drafts.map((each) => each.clientId));
    const inGroup = committed.filter(({ row }) => row.conversationId === group);
    expect(inGroup.map(({ event }) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(committed.filter(({ row }) => row.conversationId === other).map(({ event }) => event.seq)).toEqual([1, 2]);

    const [groupRow] = await database.db.select().from(conversations).where(eq(conversations.id, group));
    expect(groupRow).toMatchObject({ lastSeq: 4, lastMessageId: inGroup.at(-1)!.row.id });
    expect(groupRow!.lastActivityAt.getTime()).toBe(inGroup.at(-1)!.row.createdAt.getTime());
    const stored = await database.db.select().from(conversationEvents).where(eq(conversationEvents.conversationId, group)).orderBy(asc(conversationEvents.seq));
    expect(stored.map((row) => row.id)).toEqual(inGroup.map(({ event }) => event.id));
    expect(inGroup.map(({ event }) => (event.payload.message as { id: number }).id)).toEqual(inGroup.map(({ row }) => row.id));
  });

  it('runs one transaction at a time unless told otherwise', async () => {
    const group = await conversation('group', [ann, ben]);
    const queue = new SendQueue(database.db);
    queues.push(queue);
    // With a second lane, the second message would commit alone beside the first.
    await commitTogether(queue, [draft(group, ann), draft(group, ben), draft(group, ann), draft(group, ben)]);
    expect(queue.stats).toEqual({ transactions: 2, messages: 4 });
  });

  it('lingers for more messages only while they come faster than one per linger', async () => {
    const group = await conversation('group', [ann, ben]);
    const queue = new SendQueue(database.db, { lanes: 1, lingerMs: 2000 });
    queues.push(queue);
    // Quiet: a lone message commits at once.
    const started = performance.now();
    await queue.commit(draft(group, ann));
    expect(performance.now() - started).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // A burst: the first goes alone, the others arrive while it runs, and the lane then lingers
    // (the rate says more will come) before committing them together.
    await commitTogether(
      queue,
      Array.from({ length: 24 }, () => draft(group, ben)),
    );
    expect(queue.stats).toEqual({ transactions: 3, messages: 25 });
    // Still busy: a message arriving at a free lane waits for the next one, 100 ms later.
    const first = queue.commit(draft(group, ann));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const results = await Promise.all([first, queue.commit(draft(group, ben))]);
    expect(queue.stats).toEqual({ transactions: 4, messages: 27 });
    expect(results.map(({ event }) => event.seq)).toEqual([26, 27]);
  });

  it('refuses non-members, dissolved conversations and blocked peers without failing the others', async () => {
    const direct = await conversation('direct', [ann, ben]);
    const group = await conversation('group', [ann, ben]);
    const dissolved = await conversation('group', [ann, ben]);
    await database.db.update(conversations).set({ dissolvedAt: new Date() }).where(eq(conversations.id, dissolved));
    await database.db.insert(blocks).values({ blockerId: ben, blockedId: ann });
    const queue = openQueue();
    try {
      const results = await commitTogether(queue, [
        draft(group, ann),
        draft(direct, ann),
        draft(group, cat),
        draft(dissolved, ann),
        draft(group, ben),
        draft(direct, ben),
      ]);
      const codes = results.map((result) => (result.status === 'fulfilled' ? 'stored' : (result.reason as AppError).code));
      expect(codes).toEqual(['stored', 'FORBIDDEN', 'NOT_FOUND', 'NOT_FOUND', 'stored', 'FORBIDDEN']);
      expect(queue.stats).toEqual({ transactions: 2, messages: 2 });
      const [directRow] = await database.db.select().from(conversations).where(eq(conversations.id, direct));
      expect(directRow).toMatchObject({ lastSeq: 0, lastMessageId: null });
    } finally {
      await database.db.delete(blocks).where(eq(blocks.blockerId, ben));
    }
  });

  it('a reused clientId fails only its own message', async () => {
    const group = await conversation('group', [ann, ben]);
    const queue = openQueue();
    const first = await queue.commit(draft(group, ann, { clientId: 'reused' }));
    const results = await commitTogether(queue, [draft(group, ben), draft(group, ann, { clientId: 'reused' }), draft(group, ann), draft(group, ann)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(duplicateKeyOf((results[1] as PromiseRejectedResult).reason)).toBe('messages_sender_client_uq');
    const seqs = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.event.seq] : []));
    expect([first.event.seq, ...seqs]).toEqual([1, 2, 3, 4]);
  });

  it('a batch failing in its last script leaves nothing behind and frees its connection', async () => {
    const group = await conversation('group', [ann, ben]);
    const queue = openQueue();
    // A stray event holds the seq the next message's event would take: the events insert,
    // after the messages were inserted, collides.
    await database.db.insert(conversationEvents).values({ conversationId: group, seq: 1, payload: {}, createdAt: new Date() });
    const failed = await commitTogether(queue, [draft(group, ann), draft(group, ann), draft(group, ben)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(duplicateKeyOf((failed[0] as PromiseRejectedResult).reason)).toBe('conversation_events_seq_uq');
    expect(await database.db.select().from(messages).where(eq(messages.conversationId, group))).toEqual([]);
    const [unchanged] = await database.db.select().from(conversations).where(eq(conversations.id, group));
    expect(unchanged).toMatchObject({ lastSeq: 0, lastMessageId: null });

    // The one connection of the lane is back in its pool, with no lock held.
    await database.db.update(conversations).set({ lastSeq: 1 }).where(eq(conversations.id, group));
    const stored = await queue.commit(draft(group, ben));
    expect(stored.event.seq).toBe(2);
  });

  it('records mentions and their notifications for the messages that have them', async () => {
    const group = await conversation('group', [ann, ben, cat]);
    const queue = openQueue();
    const results = await commitTogether(queue, [
      draft(group, ann),
      draft(group, ann, { text: '@ben @cat', mentions: [ben, cat] }),
      draft(group, ben, { text: '@ben', mentions: [ben] }),
    ]);
    const [, both, self] = results.map((result) => (result.status === 'fulfilled' ? result.value : expect.unreachable()));
    expect(both!.notes.map((note) => note.userId)).toEqual([ben, cat]);
    expect(self!.notes).toEqual([]);
    const recorded = await database.db
      .select()
      .from(messageMentions)
      .where(inArray(messageMentions.messageId, [both!.row.id, self!.row.id]));
    expect(recorded).toHaveLength(3);
    const stored = await database.db
      .select()
      .from(notifications)
      .where(
        inArray(
          notifications.id,
          both!.notes.map((note) => note.view.id),
        ),
      );
    expect(stored.map((row) => row.userId).sort()).toEqual([ben, cat].sort());
  });
});
