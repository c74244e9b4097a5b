// Users with sessions for the benchmarks: inserted straight into the database (email verified, no
// password), each given a session by createSession, so no login or registration limit is involved.
import { randomBytes } from 'node:crypto';
import type { BenchStack } from './harness';
import { createSession, users } from './workspace';

export interface Member {
  id: number;
  token: string;
}

const INSERT_CHUNK = 1000;

export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

/** `count` users (email verified, no password) inserted straight into the database, each with a session. */
export async function createMembers(stack: BenchStack, count: number): Promise<Member[]> {
  const { db } = stack.deps;
  const prefix = `f${randomBytes(4).toString('hex')}`;
  const now = new Date();
  for (let from = 0; from < count; from += INSERT_CHUNK) {
    await db.insert(users).values(
      Array.from({ length: Math.min(INSERT_CHUNK, count - from) }, (_, i) => {
        const username = `${prefix}_${from + i}`;
        return {
          email: `${username}@bench.example.com`,
          username,
          displayName: username,
          passwordHash: null,
          emailVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        };
      }),
    );
  }
  const ours = (await db.select({ id: users.id, username: users.username }).from(users)).filter((row) => row.username.startsWith(`${prefix}_`));
  ours.sort((a, b) => Number(a.username.slice(prefix.length + 1)) - Number(b.username.slice(prefix.length + 1)));
  if (ours.length !== count) throw new Error(`bench: expected ${count} users, found ${ours.length}`);
  const members: Member[] = ours.map((row) => ({ id: row.id, token: '' }));
  await inParallel(members, 16, async (member) => {
    member.token = (await createSession(stack.deps, member.id, { ip: '127.0.0.1', userAgent: 'chorus-bench' })).token;
  });
  return members;
}
