import { eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase } from '../scratch-database';
import { blocks, conversations } from '../schema/index';
import { blockBetween, blockedBy, liveConversation, ruleText } from './rules';
import { queryArrays } from './row-reader';
import { fixtures, openTestDatabase } from './test-fixtures';

// Each rule gives the same answer through the query builder (as the services use it) and as
// SQL text (as the hot statements use it).
let database: ScratchDatabase;
let ann: number;
let ben: number;
let cat: number;
let dan: number;

beforeAll(async () => {
  database = await openTestDatabase();
  const make = fixtures(database);
  [ann, ben, cat, dan] = [await make.user('ann'), await make.user('ben'), await make.user('cat'), await make.user('dan')];
  // ann blocked ben; cat blocked ann; dan blocked nobody and nobody blocked dan.
  await database.db.insert(blocks).values([
    { blockerId: ann, blockedId: ben },
    { blockerId: cat, blockedId: ann },
  ]);
});
afterAll(async () => {
  await database?.drop();
});

/** Whether the rule holds for a pair of user ids, with the ids put in as SQL text columns. */
async function textSays(rule: (a: SQLWrapper, b: SQLWrapper) => SQL, a: number, b: number): Promise<boolean> {
  const text = ruleText(rule(sql.raw('pair.a'), sql.raw('pair.b')));
  const rows = await queryArrays(database.db.$client, `select exists (select 1 from blocks where ${text}) from (select ${a} as a, ${b} as b) pair`);
  return Number(rows[0]![0]) === 1;
}

async function builderSays(rule: typeof blockBetween, a: number, b: number | number[]): Promise<boolean> {
  return (
    (
      await database.db
        .select({ one: sql`1` })
        .from(blocks)
        .where(rule(a, b))
        .limit(1)
    ).length > 0
  );
}

describe('block rules', () => {
  it('blockedBy is one way, blockBetween both ways, the same through the builder and as text', async () => {
    const pairs = [
      [ann, ben, true, true],
      [ben, ann, false, true],
      [ann, cat, false, true],
      [cat, ann, true, true],
      [ben, cat, false, false],
      [ann, dan, false, false],
    ] as const;
    for (const [a, b, oneWay, eitherWay] of pairs) {
      expect([a, b, await builderSays(blockedBy, a, b), await textSays(blockedBy, a, b)]).toEqual([a, b, oneWay, oneWay]);
      expect([a, b, await builderSays(blockBetween, a, b), await textSays(blockBetween, a, b)]).toEqual([a, b, eitherWay, eitherWay]);
    }
  });

  it('takes a list of users: a block between one user and any of them', async () => {
    expect(await builderSays(blockBetween, ann, [dan, cat])).toBe(true);
    expect(await builderSays(blockBetween, ben, [cat, dan])).toBe(false);
    expect(await builderSays(blockedBy, ann, [dan, cat])).toBe(false);
    expect(await builderSays(blockedBy, ann, [dan, ben])).toBe(true);
  });
});

describe('liveConversation', () => {
  it('keeps conversations that were not dissolved, through the builder and as text', async () => {
    const make = fixtures(database);
    const live = await make.conversation('group', []);
    const gone = await make.conversation('group', [], { dissolvedAt: new Date() });
    const built = await database.db.select({ id: conversations.id }).from(conversations).where(liveConversation(conversations));
    expect(built.map((row) => row.id)).toContain(live);
    expect(built.map((row) => row.id)).not.toContain(gone);
    const text = await queryArrays(
      database.db.$client,
      `select id from conversations where ${ruleText(liveConversation(conversations))} and id in (${live}, ${gone})`,
    );
    expect(text.map(([id]) => Number(id))).toEqual([live]);
    expect((await database.db.select().from(conversations).where(eq(conversations.id, gone)))[0]!.dissolvedAt).toBeInstanceOf(Date);
  });
});

describe('ruleText', () => {
  it('refuses a rule that holds values: SQL text would get a placeholder with nothing to fill it', () => {
    expect(() => ruleText(blockBetween(1, 2))).toThrow(/has values/);
    expect(ruleText(blockedBy(sql.raw('x.a'), sql.raw('x.b')))).toBe('(`blocks`.`blocker_id` = x.a and `blocks`.`blocked_id` = x.b)');
  });
});
