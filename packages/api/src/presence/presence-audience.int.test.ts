// The presence audience in one statement against the query-per-source form it replaced, on the
// same rows: friends, small and big groups, a dissolved group, blocks either way.
import { blocks, conversationMembers, conversations, friendships, users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';
import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE_CAP, PRESENCE_GROUP_LIMIT, presenceAudience, presenceAudiences } from './presence-audience';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await database?.drop();
});

/** The former form: friends, co-members of small live conversations, then blocks, one query each. */
async function reference(userId: number): Promise<number[]> {
  const { db } = database;
  const friends = await db.select({ id: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId)).limit(AUDIENCE_CAP);
  const mine = db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(and(eq(conversationMembers.userId, userId), isNull(conversations.dissolvedAt)));
  const small = db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .where(inArray(conversationMembers.conversationId, mine))
    .groupBy(conversationMembers.conversationId)
    .having(sql`count(*) <= ${PRESENCE_GROUP_LIMIT}`);
  const coMembers = await db
    .selectDistinct({ id: conversationMembers.userId })
    .from(conversationMembers)
    .where(and(inArray(conversationMembers.conversationId, small), ne(conversationMembers.userId, userId)))
    .limit(AUDIENCE_CAP);
  const audience = new Set([...friends, ...coMembers].map((row) => row.id));
  const blocked = await db
    .select()
    .from(blocks)
    .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId)));
  for (const row of blocked) audience.delete(row.blockerId === userId ? row.blockedId : row.blockerId);
  return [...audience].sort((a, b) => a - b);
}

describe('presenceAudience', () => {
  it('answers what the query-per-source form did', async () => {
    const { db } = database;
    const ids: number[] = [];
    for (let i = 0; i < 110; i++) {
      const [result] = await db.insert(users).values({ username: `aud${i}`, displayName: `Aud ${i}`, email: `aud${i}@example.com` });
      ids.push(result.insertId);
    }
    const [me, friend, blockedFriend, blocker, , , strangerInBig] = ids as [number, number, number, number, number, number, number];
    const group = async (members: number[], dissolved = false) => {
      const [result] = await db.insert(conversations).values({ kind: 'group', name: 'g', dissolvedAt: dissolved ? new Date() : null });
      await db.insert(conversationMembers).values(members.map((userId) => ({ conversationId: result.insertId, userId })));
    };
    await db.insert(friendships).values([
      { userId: me, friendId: friend },
      { userId: friend, friendId: me },
      { userId: me, friendId: blockedFriend },
    ]);
    // A small group shared with the friend (counted once), the blocker and ids[4].
    await group([me, friend, blocker, ids[4]!]);
    // A dissolved group: ids[5] shares nothing with me any more.
    await group([me, ids[5]!], true);
    // A group of PRESENCE_GROUP_LIMIT + 1: too big to push presence in.
    await group([me, strangerInBig, ...ids.slice(10, 10 + PRESENCE_GROUP_LIMIT - 1)]);
    await db.insert(blocks).values([
      { blockerId: me, blockedId: blockedFriend },
      { blockerId: blocker, blockedId: me },
    ]);

    const expected = await reference(me);
    expect(expected).toEqual([friend, ids[4]!].sort((a, b) => a - b));
    expect((await presenceAudience({ db }, me)).sort((a, b) => a - b)).toEqual(expected);
    // From the other side, and for someone with nobody.
    const others = [friend, blocker, strangerInBig, ids[5]!, ids[109]!];
    for (const userId of others) {
      expect((await presenceAudience({ db }, userId)).sort((a, b) => a - b)).toEqual(await reference(userId));
    }

    // Asked in one turn (one UNION ALL statement, a user twice among them): each user's
    // audience as its own statement gives it, in the same order.
    await group(ids.slice(20, 50).reverse());
    await db.insert(friendships).values(ids.slice(40, 60).map((friendId) => ({ userId: ids[45]!, friendId })));
    const asked = [me, ...others, me, ...ids.slice(10, 20), ids[45]!];
    const alone = await presenceAudiences({ db }, [me]);
    const expectedEach = [];
    for (const userId of asked) expectedEach.push(await presenceAudience({ db }, userId));
    expect(expectedEach[0]).toEqual(alone[0]);
    let statements = 0;
    const count = () => statements++;
    db.$client.on('acquire', count);
    const together = await Promise.all(asked.map((userId) => presenceAudience({ db }, userId)));
    db.$client.off('acquire', count);
    expect(together).toEqual(expectedEach);
    expect(statements).toBe(1);
    expect(together[asked.length - 1]!.length).toBe(40);
    // More users than one statement takes (two statements), each as alone.
    const all = await presenceAudiences({ db }, ids);
    for (const [index, userId] of ids.entries()) expect(all[index]).toEqual((await presenceAudiences({ db }, [userId]))[0]);
  });
});
