// An edit's `message.updated` carries the whole message, so it must be read under the
// conversation's lock: a thread reply, a link preview or a delete committed between the edit's
// checks and its transaction would otherwise be undone in every client by a stale copy.
import { startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { appCodeOf } from '@chorus/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let conversationId: number;
let clientIds = 0;

beforeAll(async () => {
  a = await startMailedTestServer();
  [ann, ben] = await Promise.all([a.accounts.register('ann'), a.accounts.register('ben')]);
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
});
afterAll(async () => {
  await a?.stop();
});

const send = (text: string) => ann.client.chat.send.mutate({ conversationId, clientId: `el${++clientIds}`, kind: 'text', text });

/**
 * Runs `edit` while another transaction holds the conversation's row lock, and applies
 * `meanwhile` in that transaction once the edit waits for the lock (as a reply, a preview or a
 * delete would, under the same lock), then commits it.
 */
type Connection = Awaited<ReturnType<MailedTestServer['server']['deps']['db']['$client']['getConnection']>>;

async function editWhileLocked<T>(edit: () => Promise<T>, meanwhile: (connection: Connection) => Promise<unknown>): Promise<T> {
  const pool = a.server.deps.db.$client;
  const connection = await pool.getConnection();
  try {
    await connection.query('begin');
    await connection.query('select id from conversations where id = ? for update', [conversationId]);
    const editing = edit();
    editing.catch(() => {});
    for (let waited = 0; ; waited += 20) {
      // The server's connections run as the same database user, so the process list shows them (this
      // file's database only: other files run beside this one on the same server).
      const [rows] = await pool.query(
        "select count(*) as n from information_schema.processlist where id <> connection_id() and db = database() and info like 'select `id` from `conversations`%for update'",
      );
      if (Number((rows as Array<{ n: number }>)[0]!.n) > 0) break;
      if (waited > 5000) throw new Error('the edit never waited for the lock');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await meanwhile(connection);
    await connection.query('commit');
    return await editing;
  } finally {
    connection.release();
  }
}

describe('chat.edit under the conversation lock', () => {
  it('answers (and logs) the message as it is when the edit commits: thread summary and preview kept', async () => {
    const root = await send('a root');
    const preview = { url: 'https://example.com/', title: 'Example', description: null, siteName: 'example.com' };
    const edited = await editWhileLocked(
      () => ann.client.chat.edit.mutate({ messageId: root.id, text: 'a root, edited' }),
      (connection) =>
        connection.query('update messages set preview = ?, thread_reply_count = 1, thread_last_reply_at = now(3), thread_participant_ids = ? where id = ?', [
          JSON.stringify(preview),
          JSON.stringify([ben.id]),
          root.id,
        ]),
    );
    expect(edited.text).toBe('a root, edited');
    expect(edited.preview).toEqual(preview);
    expect(edited.thread).toMatchObject({ replyCount: 1, participantIds: [ben.id] });
    const [history] = await ann.client.chat.history.query({ conversationId, limit: 1 });
    expect(history).toEqual(edited);
  });

  it('refuses to edit a message deleted while the edit waited, and writes nothing', async () => {
    const message = await send('soon gone');
    const error = await editWhileLocked(
      () =>
        ann.client.chat.edit.mutate({ messageId: message.id, text: 'new words' }).then(
          () => null,
          (e: unknown) => e,
        ),
      (connection) => connection.query('update messages set deleted_at = now(3) where id = ?', [message.id]),
    );
    expect(appCodeOf(error)).toBe('CONFLICT');
    const [row] = await a.server.deps.db.$client.query('select text, edited_at from messages where id = ?', [message.id]);
    expect((row as Array<{ text: string; edited_at: Date | null }>)[0]).toEqual({ text: 'soon gone', edited_at: null });
  });
});
