import { sessions } from '@chorus/db';
import type { TestDatabase } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../kernel';
import { sessionPolicy, validateSessionToken } from './session.service';
import { generateSessionToken } from './session-token';
import { DAY, databaseWithUser } from './session-test-database';

let database: TestDatabase;
let userId: number;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const clock: Clock = { now: () => new Date(NOW) };

beforeAll(async () => {
  ({ database, userId } = await databaseWithUser('grace', 'Grace'));
});
afterAll(async () => {
  await database?.drop();
});

/** Each state a stored session can be in when a token for it comes: its row's times relative to now. */
const STATES = {
  fresh: { expiresIn: 29 * DAY, seenAgo: 1000 },
  touchDue: { expiresIn: 29 * DAY, seenAgo: sessionPolicy.touchEveryMs + 1000 },
  renewDue: { expiresIn: 10 * DAY, seenAgo: DAY },
  inactive: { expiresIn: 10 * DAY, seenAgo: sessionPolicy.inactivityTimeoutMs + 1000 },
  expired: { expiresIn: -1000, seenAgo: 1000 },
} as const;

type Case = keyof typeof STATES | 'wrongSecret' | 'unknown' | 'twice';

/** A token per case (twice: one token asked for twice), with rows as the case says. */
async function tokens(): Promise<Array<{ name: Case; token: string; id: string }>> {
  const made = [];
  for (const name of [...Object.keys(STATES), 'wrongSecret', 'unknown', 'twice'] as Case[]) {
    const { token, id, secretHash } = generateSessionToken();
    const state = STATES[name as keyof typeof STATES] ?? STATES.touchDue;
    if (name !== 'unknown') {
      const times = { expiresAt: new Date(NOW + state.expiresIn), lastSeenAt: new Date(NOW - state.seenAgo), createdAt: new Date(NOW - 2 * DAY) };
      await database.db.insert(sessions).values({ id, secretHash, userId, ...times });
    }
    const asked = name === 'wrongSecret' ? `${id}.${generateSessionToken().token.split('.')[1]}` : token;
    made.push({ name, token: asked, id });
    if (name === 'twice') made.push({ name, token: asked, id });
  }
  return made;
}

/** What a validation answered and left in the database, without the ids that differ between runs. */
async function outcome(cases: Array<{ name: Case; id: string }>, answers: Array<Awaited<ReturnType<typeof validateSessionToken>>>) {
  return Promise.all(
    cases.map(async ({ name, id }, index) => {
      const answer = answers[index];
      const [row] = await database.db.select({ expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt }).from(sessions).where(eq(sessions.id, id));
      return { name, answer: answer && { ...answer, id: answer.id === id }, row: row ?? null };
    }),
  );
}

describe('session lookups and touches of one turn', () => {
  it('validate as the ordinary one-at-a-time path does, in one statement each', async () => {
    const alone = await tokens();
    const aloneAnswers = [];
    // One at a time: every batch holds one request and takes the ordinary statements.
    for (const { token } of alone) aloneAnswers.push(await validateSessionToken({ db: database.db, clock }, token));

    const together = await tokens();
    let statements = 0;
    const count = () => statements++;
    database.db.$client.on('acquire', count);
    const togetherAnswers = await Promise.all(together.map(({ token }) => validateSessionToken({ db: database.db, clock }, token)));
    database.db.$client.off('acquire', count);

    const expected = await outcome(alone, aloneAnswers);
    expect(await outcome(together, togetherAnswers)).toEqual(expected);
    // The cases themselves: what the ordinary path is known to do.
    const byName = Object.fromEntries(expected.map((entry) => [entry.name, entry]));
    expect(byName.fresh!.row!.lastSeenAt.getTime()).toBe(NOW - STATES.fresh.seenAgo);
    expect(byName.touchDue!.row!.lastSeenAt.getTime()).toBe(NOW);
    expect(byName.renewDue!.row!.expiresAt.getTime()).toBe(NOW + sessionPolicy.lifetimeMs);
    expect(byName.renewDue!.answer!.expiresAt.getTime()).toBe(NOW + sessionPolicy.lifetimeMs);
    expect([byName.inactive!.row, byName.inactive!.answer, byName.expired!.answer, byName.wrongSecret!.answer, byName.unknown!.answer]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    // One lookup, one write of the touches, one delete per ended session (inactive, expired).
    expect(statements).toBe(4);
  });
});
