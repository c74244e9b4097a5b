import { asc, eq } from 'drizzle-orm';
import type { PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScriptPool, type ScriptPool } from '../client';
import type { ScratchDatabase } from '../scratch-database';
import { blocks, conversationEvents, conversations, messages } from '../schema/index';
import { beginMessageBatch, insertEventsAndCommit, insertMessages, rollbackBatch } from './message-batch';
import { fixtures, openTestDatabase } from './test-fixtures';

// The send batch's statements, step by step on one connection of a script pool.
let database: ScratchDatabase;
let scripts: ScriptPool;
let make: ReturnType<typeof fixtures>;
let ann: number;
let ben: number;
let cat: number;

beforeAll(async () => {
  database = await openTestDatabase();
  scripts = openScriptPool(database.db, 2);
  make = fixtures(database);
  [ann, ben, cat] = [await make.user('ann'), await make.user('ben'), await make.user('cat')];
});
afterAll(async () => {
  await scripts?.end();
  await database?.drop();
});

async function onConnection<T>(run: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await scripts.getConnection();
  try {
    return await run(connection);
  } finally {
    connection.release();
  }
}

const draft = (conversationId: number, senderId: number, clientId: string, createdAt = new Date()) => ({
  conversationId,
  senderId,
  clientId,
  kind: 'text' as const,
  text: clientId,
  createdAt,
});

describe('beginMessageBatch', () => {
  it("tells members from strangers, dissolved conversations and blocked direct peers, and reads each live conversation's last seq", async () => {
    const group = await make.conversation('group', [ann, ben], { lastSeq: 5 });
    const direct = await make.conversation('direct', [ann, ben]);
    const open = await make.conversation('direct', [ann, cat]);
    const gone = await make.conversation('group', [ann], { dissolvedAt: new Date() });
    await database.db.insert(blocks).values({ blockerId: ben, blockedId: ann });
    try {
      const batch = await onConnection(async (connection) => {
        const started = await beginMessageBatch(connection, [group, direct, open, gone], [ann, ben, cat]);
        await rollbackBatch(connection);
        return started;
      });
      expect(Object.fromEntries(batch.lastSeqs)).toEqual({ [group]: 5, [direct]: 0, [open]: 0 });
      // A block stands in direct conversations only, in either direction; a group still takes both.
      expect([batch.standing(group, ann), batch.standing(group, ben), batch.standing(group, cat)]).toEqual(['allowed', 'allowed', 'absent']);
      expect([batch.standing(direct, ann), batch.standing(direct, ben)]).toEqual(['blocked', 'blocked']);
      expect([batch.standing(open, ann), batch.standing(open, cat), batch.standing(open, ben)]).toEqual(['allowed', 'allowed', 'absent']);
      expect(batch.standing(gone, ann)).toBe('absent');
      expect(batch.standing(987_654_321, ann)).toBe('absent');
    } finally {
      await database.db.delete(blocks).where(eq(blocks.blockerId, ben));
    }
  });

  it('holds the conversations locked until the batch ends', async () => {
    const group = await make.conversation('group', [ann]);
    const other = database.db.$client;
    await onConnection(async (connection) => {
      await beginMessageBatch(connection, [group], [ann]);
      await expect(other.query('select id from conversations where id = ? for update nowait', [group])).rejects.toMatchObject({
        errno: expect.any(Number) as number,
      });
      await rollbackBatch(connection);
    });
    const [[row]] = (await other.query('select id from conversations where id = ? for update nowait', [group])) as unknown as [Array<{ id: number }>];
    expect(Number(row!.id)).toBe(group);
  });
});

describe('insertMessages and insertEventsAndCommit', () => {
  it('store one message or several, give their ids in order, and advance each conversation', async () => {
    const first = await make.conversation('group', [ann, ben], { lastSeq: 2 });
    const second = await make.conversation('group', [ann]);
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms));
    const drafts = [draft(first, ann, 'b1', at(1)), draft(second, ann, 'b2', at(2)), draft(first, ben, 'b3', at(3))];
    const { lone, ids, eventIds } = await onConnection(async (connection) => {
      await beginMessageBatch(connection, [first, second], [ann, ben]);
      const lone = await insertMessages(connection, [draft(second, ann, 'b0', at(0))]);
      const ids = await insertMessages(connection, drafts);
      const rows = [
        { ...drafts[0]!, id: ids[0]! },
        { ...drafts[1]!, id: ids[1]! },
        { ...drafts[2]!, id: ids[2]! },
      ];
      const events = [
        { conversationId: first, seq: 3, payload: { n: 1 } },
        { conversationId: second, seq: 1, payload: { n: 2 } },
        { conversationId: first, seq: 4, payload: { n: 3 } },
      ];
      return { lone, ids, eventIds: await insertEventsAndCommit(connection, events, rows) };
    });
    const stored = await database.db.select().from(messages).where(eq(messages.clientId, 'b0'));
    expect(lone).toEqual([stored[0]!.id]);
    for (const [index, id] of ids.entries()) {
      const [row] = await database.db.select().from(messages).where(eq(messages.id, id));
      expect(row!.clientId).toBe(drafts[index]!.clientId);
    }
    const events = await database.db.select().from(conversationEvents).where(eq(conversationEvents.conversationId, first)).orderBy(asc(conversationEvents.seq));
    expect(events.map((event) => [event.id, event.seq, event.payload])).toEqual([
      [eventIds[0], 3, { n: 1 }],
      [eventIds[2], 4, { n: 3 }],
    ]);
    const after = await database.db.select().from(conversations).where(eq(conversations.id, first));
    expect(after[0]).toMatchObject({ lastSeq: 4, lastMessageId: ids[2], lastActivityAt: at(3) });
    const [secondRow] = await database.db.select().from(conversations).where(eq(conversations.id, second));
    expect(secondRow).toMatchObject({ lastSeq: 1, lastMessageId: ids[1], lastActivityAt: at(2) });
  });

  it('a rollback leaves nothing behind, and a reused clientId fails the insert', async () => {
    const group = await make.conversation('group', [ann]);
    await onConnection(async (connection) => {
      await beginMessageBatch(connection, [group], [ann]);
      await insertMessages(connection, [draft(group, ann, 'r1')]);
      await expect(insertMessages(connection, [draft(group, ann, 'r2'), draft(group, ann, 'r1')])).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
      await rollbackBatch(connection);
    });
    expect(await database.db.select().from(messages).where(eq(messages.conversationId, group))).toEqual([]);
  });
});
