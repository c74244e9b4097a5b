import { conversationEvents, conversationMembers, conversations, messages, threadFollowers, users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import type { MessageDraft } from '../message-batch';
import { SendQueue } from '../send-queue';

// Thread replies in the send queue's batches, driven directly: what the transaction checks and
// writes when the check before queueing is passed (a root deleted in between, several replies
// to one root in one batch).
let database: TestDatabase;
let ann: number;
let ben: number;
let queue: SendQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  const user = async (name: string) => (await database.db.insert(users).values({ username: name, displayName: name, emailVerifiedAt: new Date() }))[0].insertId;
  ann = await user('ann');
  ben = await user('ben');
  queue = new SendQueue(database.db, { lanes: 1 });
});
afterAll(async () => {
  await queue?.close();
  await database?.drop();
});

async function group(): Promise<number> {
  const [created] = await database.db.insert(conversations).values({ kind: 'group', name: 'g' });
  await database.db.insert(conversationMembers).values([ann, ben].map((userId) => ({ conversationId: created.insertId, userId })));
  return created.insertId;
}

let clientIds = 0;
const draft = (conversationId: number, senderId: number, threadRootId: number | null = null): MessageDraft => ({
  conversationId,
  senderId,
  clientId: `tr${++clientIds}`,
  kind: 'text',
  text: `message ${clientIds}`,
  attachment: null,
  replyToId: null,
  mentions: [],
  createdAt: new Date(),
  threadRootId,
});

describe('thread replies in the send batch', () => {
  it('counts replies queued together exactly, each thread.updated one seq after its reply', async () => {
    const conversationId = await group();
    const root = await queue.commit(draft(conversationId, ann));
    const replies = await Promise.all([ben, ann, ben, ben].map((sender) => queue.commit(draft(conversationId, sender, root.row.id))));
    expect(queue.stats.transactions).toBeGreaterThanOrEqual(2);
    expect(replies.map((reply) => reply.threadEvent?.payload)).toMatchObject(
      [1, 2, 3, 4].map((replyCount) => ({ type: 'thread.updated', thread: { replyCount } })),
    );
    expect(replies.map((reply) => reply.threadEvent!.seq - reply.event.seq)).toEqual([1, 1, 1, 1]);
    const [stored] = await database.db.select().from(messages).where(eq(messages.id, root.row.id));
    expect(stored).toMatchObject({ threadReplyCount: 4, threadParticipantIds: [ben, ann] });
    // The conversation: its seq counts both events of each reply; its last message is the last reply (a room's floor).
    const [row] = await database.db.select().from(conversations).where(eq(conversations.id, conversationId));
    expect(row).toMatchObject({ lastSeq: 9, lastMessageId: replies.at(-1)!.row.id });
    const seqs = await database.db
      .select({ seq: conversationEvents.seq })
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversationId))
      .orderBy(asc(conversationEvents.seq));
    expect(seqs.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses a reply whose root was deleted after the check before queueing, writing nothing, without failing the others', async () => {
    const conversationId = await group();
    const root = await queue.commit(draft(conversationId, ann));
    const other = await queue.commit(draft(conversationId, ann));
    await database.db.update(messages).set({ deletedAt: new Date() }).where(eq(messages.id, root.row.id));
    // Queued behind a message that commits alone, these share one batch; the refused one fails it, and each is tried again alone.
    const results = await Promise.allSettled([
      queue.commit(draft(conversationId, ben)),
      queue.commit(draft(conversationId, ben, other.row.id)),
      queue.commit(draft(conversationId, ben, root.row.id)),
      queue.commit(draft(conversationId, ann, other.row.id)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[2] as PromiseRejectedResult).reason as AppError;
    expect(refused).toBeInstanceOf(AppError);
    expect(refused.code).toBe('CONFLICT');
    const [rootRow] = await database.db.select().from(messages).where(eq(messages.id, root.row.id));
    expect(rootRow).toMatchObject({ threadReplyCount: 0, threadParticipantIds: null });
    const followers = await database.db.select().from(threadFollowers).where(eq(threadFollowers.rootId, root.row.id));
    expect(followers).toEqual([]);
    const stored = await database.db.select({ id: messages.id }).from(messages).where(eq(messages.threadRootId, root.row.id));
    expect(stored).toEqual([]);
    const [otherRow] = await database.db.select().from(messages).where(eq(messages.id, other.row.id));
    expect(otherRow).toMatchObject({ threadReplyCount: 2, threadParticipantIds: [ann, ben] });
  });

  it('refuses a reply to a reply and to a root of another conversation inside the transaction too', async () => {
    const conversationId = await group();
    const elsewhere = await group();
    const root = await queue.commit(draft(conversationId, ann));
    const reply = await queue.commit(draft(conversationId, ben, root.row.id));
    const foreign = await queue.commit(draft(elsewhere, ann));
    for (const rootId of [reply.row.id, foreign.row.id]) {
      const error = await queue.commit(draft(conversationId, ben, rootId)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('BAD_INPUT');
    }
  });
});
