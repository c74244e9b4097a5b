import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase } from '../scratch-database';
import { conversationMembers, conversations, messageReactions, messages, rooms } from '../schema/index';
import { readMembership } from './membership';
import { readMessagePage } from './message-page';
import { fixtures, openTestDatabase } from './test-fixtures';

// The hot reads give what the query builder's selects give.
let database: ScratchDatabase;
let ann: number;
let ben: number;

beforeAll(async () => {
  database = await openTestDatabase();
  const make = fixtures(database);
  [ann, ben] = [await make.user('ann'), await make.user('ben')];
});
afterAll(async () => {
  await database?.drop();
});

describe('readMembership', () => {
  it("gives the conversation's row and the member's markers; null for strangers, dissolved conversations and unknown ids", async () => {
    const make = fixtures(database);
    const group = await make.conversation('group', [], { name: 'it\'s "quoted"', lastSeq: 3 });
    const room = await make.conversation('room', []);
    const gone = await make.conversation('group', [ann], { dissolvedAt: new Date() });
    await database.db
      .insert(rooms)
      .values({ id: room, name: 'room', visibility: 'public', joinPolicy: 'open', historyVisible: false, syncEnabled: true, maxMembers: 9, ownerId: ann });
    await database.db.insert(conversationMembers).values([
      { conversationId: group, userId: ann, role: 'owner', lastReadMessageId: 12 },
      { conversationId: room, userId: ben, joinedAfterMessageId: 40 },
    ]);
    const [row] = await database.db.select().from(conversations).where(eq(conversations.id, group));
    expect(await readMembership(database.db.$client, group, ann)).toEqual({
      conversation: row,
      role: 'owner',
      lastReadMessageId: 12,
      joinedAfterMessageId: 0,
      roomHistoryVisible: null,
    });
    expect(await readMembership(database.db.$client, room, ben)).toMatchObject({ role: 'member', joinedAfterMessageId: 40, roomHistoryVisible: false });
    expect(await readMembership(database.db.$client, group, ben)).toBeNull();
    expect(await readMembership(database.db.$client, gone, ann)).toBeNull();
    expect(await readMembership(database.db.$client, 987_654_321, ann)).toBeNull();
  });
});

describe('readMessagePage', () => {
  it('pages newest first with each message its reactions in the order made, within its conversation only', async () => {
    const make = fixtures(database);
    const group = await make.conversation('group', [ann, ben]);
    const other = await make.conversation('group', [ann]);
    const base = { senderId: ann, kind: 'text' as const, createdAt: new Date() };
    await database.db.insert(messages).values([1, 2, 3, 4].map((n) => ({ ...base, conversationId: group, clientId: `p${n}`, text: `m${n}` })));
    await database.db.insert(messages).values({ ...base, conversationId: other, clientId: 'elsewhere', text: 'x' });
    const built = await database.db.select().from(messages).where(eq(messages.conversationId, group));
    const [m1, m2, , m4] = built.sort((a, b) => a.id - b.id);
    const t = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms));
    await database.db.insert(messageReactions).values([
      { messageId: m4!.id, userId: ben, emoji: '👍', createdAt: t(2) },
      { messageId: m4!.id, userId: ann, emoji: '🎬', createdAt: t(1) },
      { messageId: m4!.id, userId: ann, emoji: '👍', createdAt: t(3) },
      { messageId: m1!.id, userId: ben, emoji: 'x', createdAt: t(1) },
    ]);

    const newest = await readMessagePage(database.db.$client, { conversationId: group, limit: 3 });
    expect(newest.map(({ row }) => row.clientId)).toEqual(['p4', 'p3', 'p2']);
    expect(newest[0]!.row).toEqual(m4);
    expect(newest[0]!.reactions).toEqual([
      ['🎬', ann],
      ['👍', ben],
      ['👍', ann],
    ]);
    expect(newest[1]!.reactions).toEqual([]);
    const older = await readMessagePage(database.db.$client, { conversationId: group, beforeId: m2!.id, limit: 3 });
    expect(older.map(({ row, reactions }) => [row.clientId, reactions])).toEqual([['p1', [['x', ben]]]]);
    expect(await readMessagePage(database.db.$client, { conversationId: group, beforeId: m1!.id, limit: 3 })).toEqual([]);
  });
});
