// Group admin and deletes decide under the conversation's lock what really changes: two adds at
// once (a double submit, two admins) neither pass the member cap together nor both log the same
// users, and a double remove or delete logs its event once. Each race is made certain by holding
// the conversation's row lock while both calls start, and releasing it once both wait on a lock.
import { appCodeOf } from '@chorus/client';
import { collectEvents, startMailedTestServer, type EventCollector, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;
let eve: TestAccount;
let annEvents: EventCollector;
let catEvents: EventCollector;
let clientIds = 0;

beforeAll(async () => {
  a = await startMailedTestServer();
  const register = (name: string) => a.accounts.register(name);
  [ann, ben, cat, dan, eve] = await Promise.all([register('ann'), register('ben'), register('cat'), register('dan'), register('eve')]);
  annEvents = collectEvents(ann.client);
  catEvents = collectEvents(cat.client);
  await Promise.all([annEvents, catEvents].map((events) => events.waitFor((event) => event.type === 'presence.snapshot')));
});
afterAll(async () => {
  annEvents?.stop();
  catEvents?.stop();
  await a?.stop();
});

const sql = () => a.server.deps.db.$client;

/** A group of ann's with ben as an admin, and `others` as plain members. */
async function group(others: TestAccount[] = []): Promise<number> {
  const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'race', memberIds: [ben.id, ...others.map((other) => other.id)] });
  await ann.client.chat.setRole.mutate({ conversationId, userId: ben.id, role: 'admin' });
  return conversationId;
}

/**
 * Starts `calls` while this test holds the conversation's row lock, lets go once each of them waits
 * on a lock (so all have made their checks before the transaction, as a race would), and settles them.
 */
async function race<T>(conversationId: number, calls: Array<() => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
  const connection = await sql().getConnection();
  try {
    await connection.query('begin');
    await connection.query('select id from conversations where id = ? for update', [conversationId]);
    const running = Promise.allSettled(calls.map((call) => call()));
    for (let waited = 0; ; waited += 20) {
      // A statement on a conversation table running for 100 ms waits on a lock (InnoDB's own lock
      // tables do not list a transaction that has not written yet). This file's database only:
      // other files run beside this one on the same server.
      const [rows] = await sql().query(
        "select count(*) as n from information_schema.processlist where id <> connection_id() and db = database() and command = 'Query' and info like '%conversation%' and time_ms > 100",
      );
      if (Number((rows as Array<{ n: number }>)[0]!.n) >= calls.length) break;
      if (waited > 5000) throw new Error('the calls never waited on a lock together');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await connection.query('commit');
    return await running;
  } finally {
    connection.release();
  }
}

/** Events of `type` in the conversation that `events` got, once a later message shows all before it arrived. */
async function delivered(events: EventCollector, conversationId: number, type: string) {
  const text = `marker ${++clientIds}`;
  await ann.client.chat.send.mutate({ conversationId, clientId: `m${clientIds}`, kind: 'text', text });
  await events.waitFor((event) => event.type === 'message.created' && event.message.text === text);
  return events.received
    .map((entry) => entry.data)
    .filter((event) => event.type === type && 'conversationId' in event && event.conversationId === conversationId);
}

async function memberCount(conversationId: number, userId?: number): Promise<number> {
  const [rows] = await sql().query(
    `select count(*) as n from conversation_members where conversation_id = ?${userId === undefined ? '' : ' and user_id = ?'}`,
    userId === undefined ? [conversationId] : [conversationId, userId],
  );
  return Number((rows as Array<{ n: number }>)[0]!.n);
}

const values = <T>(results: PromiseSettledResult<T>[]) => results.map((result) => (result.status === 'fulfilled' ? result.value : appCodeOf(result.reason)));

describe('concurrent group changes', () => {
  it('two adds of the same user: a member once, one member.added, the other call adds nobody', async () => {
    const conversationId = await group();
    const results = await race(conversationId, [
      () => ann.client.chat.addMembers.mutate({ conversationId, userIds: [cat.id] }),
      () => ben.client.chat.addMembers.mutate({ conversationId, userIds: [cat.id] }),
    ]);
    expect(await memberCount(conversationId, cat.id)).toBe(1);
    for (const events of [annEvents, catEvents])
      expect(await delivered(events, conversationId, 'member.added')).toEqual([expect.objectContaining({ userIds: [cat.id] })]);
    expect(values(results)).toEqual(expect.arrayContaining([{ added: [cat.id] }, { added: [] }]));
  });

  it('two adds that together pass the member cap: one is refused, the group stays at the cap', async () => {
    const conversationId = await group();
    // 1,996 more members straight into the tables: with ann and ben, 2 short of the cap (2,000).
    const [inserted] = await sql().query('insert into users (username, display_name) select concat(?, seq), ? from seq_1_to_1996', [
      `cap${conversationId}_`,
      'Filler',
    ]);
    const firstId = (inserted as { insertId: number }).insertId;
    await sql().query(
      "insert into conversation_members (conversation_id, user_id, role, joined_at) select ?, id, 'member', now(3) from users where id >= ? and id < ?",
      [conversationId, firstId, firstId + 1996],
    );
    expect(await memberCount(conversationId)).toBe(1998);
    const results = await race(conversationId, [
      () => ann.client.chat.addMembers.mutate({ conversationId, userIds: [cat.id, dan.id] }),
      () => ben.client.chat.addMembers.mutate({ conversationId, userIds: [eve.id, ann.id, ben.id] }),
    ]);
    const answers = values(results);
    expect(answers.filter((answer) => answer === 'BAD_INPUT')).toHaveLength(1);
    const winner = answers.find((answer) => typeof answer === 'object');
    expect([[cat.id, dan.id], [eve.id]]).toContainEqual(winner?.added);
    expect(await memberCount(conversationId)).toBe(1998 + winner!.added.length);
    expect(await delivered(annEvents, conversationId, 'member.added')).toHaveLength(1);
  });

  it('two removes of one member: both answer ok, one member.removed', async () => {
    const conversationId = await group([cat]);
    const results = await race(conversationId, [
      () => ann.client.chat.removeMember.mutate({ conversationId, userId: cat.id }),
      () => ben.client.chat.removeMember.mutate({ conversationId, userId: cat.id }),
    ]);
    expect(values(results)).toEqual([{ ok: true }, { ok: true }]);
    expect(await memberCount(conversationId, cat.id)).toBe(0);
    expect(await delivered(annEvents, conversationId, 'member.removed')).toEqual([expect.objectContaining({ userId: cat.id, reason: 'removed' })]);
  });

  it('an admin removes a member whom the owner makes an admin at the same moment: never both', async () => {
    const conversationId = await group([cat]);
    const [promoted, removed] = values(
      await race<unknown>(conversationId, [
        () => ann.client.chat.setRole.mutate({ conversationId, userId: cat.id, role: 'admin' }),
        () => ben.client.chat.removeMember.mutate({ conversationId, userId: cat.id }),
      ]),
    );
    // Whichever went first, the other decided on its outcome: an admin does not remove an admin,
    // and someone no longer a member is not promoted.
    if ((await memberCount(conversationId, cat.id)) === 1) expect([promoted, removed]).toEqual([{ ok: true }, 'FORBIDDEN']);
    else expect([promoted, removed]).toEqual(['NOT_FOUND', { ok: true }]);
  });

  it('two deletes of one message: both answer ok, one message.deleted', async () => {
    const conversationId = await group([cat]);
    const message = await cat.client.chat.send.mutate({ conversationId, clientId: `d${++clientIds}`, kind: 'text', text: 'delete me' });
    const results = await race(conversationId, [
      () => cat.client.chat.delete.mutate({ messageId: message.id }),
      () => ann.client.chat.delete.mutate({ messageId: message.id }),
    ]);
    expect(values(results)).toEqual([{ ok: true }, { ok: true }]);
    expect(await delivered(catEvents, conversationId, 'message.deleted')).toEqual([expect.objectContaining({ messageId: message.id })]);
  });
});
