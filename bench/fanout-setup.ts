// Users, sessions and conversations of the fanout benchmark. Users are inserted straight into
// the database (email verified, no password) and get sessions from createSession, so no login or
// registration limit is involved; conversations are made through the API, as clients make them.
import { randomBytes } from 'node:crypto';
import type { BenchStack } from './harness';
import { closeChorusClient, createBenchClient, createSession, users, type ChorusClient } from './workspace';

export interface Member {
  id: number;
  token: string;
}

export interface Population {
  /** members[0] owns the group. */
  group: { conversationId: number; members: Member[] };
  directs: Array<{ conversationId: number; members: [Member, Member] }>;
  /** Two spare users for the history conversation. */
  spare: [Member, Member];
}

const CREATE_GROUP_MAX = 500;
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
        return { email: `${username}@bench.example.com`, username, displayName: username, passwordHash: null, emailVerifiedAt: now, createdAt: now, updatedAt: now };
      }),
    );
  }
  const ours = (await db.select({ id: users.id, username: users.username }).from(users)).filter((row) => row.username.startsWith(`${prefix}_`));
  ours.sort((a, b) => Number(a.username.slice(prefix.length + 1)) - Number(b.username.slice(prefix.length + 1)));
  if (ours.length !== count) throw new Error(`fanout: expected ${count} users, found ${ours.length}`);
  const members: Member[] = ours.map((row) => ({ id: row.id, token: '' }));
  await inParallel(members, 16, async (member) => {
    member.token = (await createSession(stack.deps, member.id, { ip: '127.0.0.1', userAgent: 'chorus-bench' })).token;
  });
  return members;
}

export async function createPopulation(stack: BenchStack, sizes: { groupMembers: number; directs: number }): Promise<Population> {
  const all = await createMembers(stack, sizes.groupMembers + sizes.directs * 2 + 2);
  const groupMembers = all.slice(0, sizes.groupMembers);
  const directMembers = all.slice(sizes.groupMembers, sizes.groupMembers + sizes.directs * 2);
  const spare = all.slice(-2) as [Member, Member];

  const clients: ChorusClient[] = [];
  const clientOf = (member: Member) => {
    const client = createBenchClient(stack.url, { token: member.token });
    clients.push(client);
    return client;
  };
  try {
    const [owner, ...rest] = groupMembers;
    if (!owner) throw new Error('fanout: the group needs members');
    const ownerClient = clientOf(owner);
    const { conversationId } = await ownerClient.chat.createGroup.mutate({
      name: 'fanout bench',
      memberIds: rest.slice(0, CREATE_GROUP_MAX - 1).map((member) => member.id),
    });
    for (let from = CREATE_GROUP_MAX - 1; from < rest.length; from += CREATE_GROUP_MAX) {
      await ownerClient.chat.addMembers.mutate({ conversationId, userIds: rest.slice(from, from + CREATE_GROUP_MAX).map((member) => member.id) });
    }

    const directs: Population['directs'] = [];
    const pairs = Array.from({ length: sizes.directs }, (_, i) => [directMembers[2 * i]!, directMembers[2 * i + 1]!] as [Member, Member]);
    await inParallel(pairs, 16, async (pair, index) => {
      const client = createBenchClient(stack.url, { token: pair[0].token });
      try {
        const opened = await client.chat.openDirect.mutate({ userId: pair[1].id });
        directs[index] = { conversationId: opened.conversationId, members: pair };
      } finally {
        await closeChorusClient(client);
      }
    });
    return { group: { conversationId, members: groupMembers }, directs, spare };
  } finally {
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}
