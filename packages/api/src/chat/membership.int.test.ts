import { conversationMembers, conversations, rooms, users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMember, visibleAfter } from './membership';

// requireMember reads its row from SQL text: it must give what the query builder's select gives,
// and "not found" to anyone who is not a member of a live conversation.
let database: TestDatabase;
let alice: number;
let bob: number;
let group: number;
let room: number;
let dissolved: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  const user = async (username: string) => (await db.insert(users).values({ username, displayName: username, emailVerifiedAt: new Date() }))[0].insertId;
  alice = await user('alice');
  bob = await user('bob');
  const conversation = async (values: typeof conversations.$inferInsert) => (await db.insert(conversations).values(values))[0].insertId;
  group = await conversation({ kind: 'group', name: 'it\'s a "group"', avatarUrl: 'https://example.com/a.png', lastSeq: 7, lastMessageId: 41 });
  room = await conversation({ kind: 'room', name: 'room' });
  dissolved = await conversation({ kind: 'group', name: 'gone', dissolvedAt: new Date('2026-01-02T03:04:05.678Z') });
  await db
    .insert(rooms)
    .values({ id: room, name: 'room', visibility: 'public', joinPolicy: 'open', historyVisible: false, syncEnabled: true, maxMembers: 50, ownerId: alice });
  await db.insert(conversationMembers).values([
    { conversationId: group, userId: alice, role: 'owner', lastReadMessageId: 40 },
    { conversationId: group, userId: bob, role: 'admin' },
    { conversationId: room, userId: bob, role: 'member', joinedAfterMessageId: 99 },
    { conversationId: dissolved, userId: alice, role: 'owner' },
  ]);
});
afterAll(async () => {
  await database?.drop();
});

describe('requireMember', () => {
  it("gives the conversation's row and the member's role and markers, as the query builder reads them", async () => {
    const [row] = await database.db.select().from(conversations).where(eq(conversations.id, group));
    const membership = await requireMember(database.db, group, alice);
    expect(membership).toEqual({ conversation: row, role: 'owner', lastReadMessageId: 40, joinedAfterMessageId: 0, roomHistoryVisible: null });
    expect(membership.conversation.lastActivityAt).toBeInstanceOf(Date);
    expect(membership.conversation.dissolvedAt).toBeNull();
    expect((await requireMember(database.db, group, bob)).role).toBe('admin');
    expect(visibleAfter(membership)).toBe(0);
  });

  it("reads a room's history setting as a boolean, and hides older messages from a newcomer", async () => {
    const membership = await requireMember(database.db, room, bob);
    expect(membership.conversation.kind).toBe('room');
    expect(membership.roomHistoryVisible).toBe(false);
    expect(visibleAfter(membership)).toBe(99);
  });

  it('answers "not found" to a non-member, for a dissolved conversation and for an unknown id', async () => {
    await expect(requireMember(database.db, room, alice)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requireMember(database.db, dissolved, alice)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requireMember(database.db, 987_654_321, alice)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
