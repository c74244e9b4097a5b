import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-database';
import { conversationEvents, conversations, messages, users } from '../schema/index';
import { queryArrays, tableReader } from './row-reader';
import { insertRowsSql, sqlText } from './sql-text';

// The send path's SQL text: insertRowsSql writes what the query builder's insert writes, for
// the tables it fills, whatever the text holds; sqlText fills lists and tuples; tableReader
// reads rows as the builder's select does.
let database: ScratchDatabase;
let userId: number;
let conversationId: number;

beforeAll(async () => {
  database = await createScratchDatabase(inject('mariadbServerUrl'));
  userId = (await database.db.insert(users).values({ username: 'rows', displayName: 'Rows', emailVerifiedAt: new Date() }))[0].insertId;
  conversationId = (await database.db.insert(conversations).values({ kind: 'group', name: 'rows' }))[0].insertId;
});
afterAll(async () => {
  await database?.drop();
});

const awkward = [
  'it\'s "quoted"',
  'back\\slash \\\' and \\" and a \\ at the end\\',
  'new\nline\ttab\r\0nul \u001a ctrl-z',
  '🎬 emoji, 日本語, ünïcödé, \u200b zero width',
  "'); drop table messages; --",
  '%s ? ?? :name $1',
];

describe('insertRowsSql', () => {
  it('stores messages exactly as the query builder does', async () => {
    const createdAt = new Date('2026-03-04T05:06:07.089Z');
    const attachment = { fileId: 'f"1\\', name: "a'b.png", mimeType: 'image/png', size: 12, width: 3, height: 4 };
    const base = { conversationId, senderId: userId, kind: 'text' as const, replyToId: null, createdAt };
    const rows = awkward.map((text, index) => ({
      ...base,
      clientId: `raw-${index}`,
      text,
      attachment: index === 0 ? attachment : null,
      mentions: index === 1 ? [userId, 7] : null,
    }));
    const [inserted] = (await database.db.execute(sql.raw(insertRowsSql(messages, rows)))) as unknown as [{ affectedRows: number; insertId: number }];
    expect(inserted.affectedRows).toBe(rows.length);
    await database.db.insert(messages).values(rows.map((row) => ({ ...row, clientId: `built-${row.clientId}` })));

    const stored = await database.db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(asc(messages.id));
    const raw = stored.filter((row) => row.clientId.startsWith('raw-'));
    const built = stored.filter((row) => row.clientId.startsWith('built-'));
    expect(raw[0]!.id).toBe(inserted.insertId);
    expect(raw.map(({ id, clientId, ...rest }) => rest)).toEqual(built.map(({ id, clientId, ...rest }) => rest));
    expect(raw.map((row) => row.text)).toEqual(awkward);
    expect(raw[0]!.attachment).toEqual(attachment);
    expect(raw[1]!.mentions).toEqual([userId, 7]);
    expect(raw[0]!.createdAt.toISOString()).toBe('2026-03-04T05:06:07.089Z');
    expect(raw[2]!.editedAt).toBeNull();
  });

  it('gives left-out columns their defaults', async () => {
    const payload = { type: 'note', text: awkward.join(' | ') };
    await database.db.execute(
      sql.raw(
        insertRowsSql(conversationEvents, [
          { conversationId, seq: 1, payload },
          { conversationId, seq: 2, payload, audience: { add: [userId] } },
        ]),
      ),
    );
    const events = await database.db
      .select()
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversationId))
      .orderBy(asc(conversationEvents.seq));
    expect(events.map((event) => [event.seq, event.payload, event.audience, event.attempts, event.publishedAt])).toEqual([
      [1, payload, null, 0, null],
      [2, payload, { add: [userId] }, 0, null],
    ]);
    expect(Math.abs(events[0]!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses an empty batch', () => {
    expect(() => insertRowsSql(messages, [])).toThrow(/no rows/);
  });

  it('fills lists and tuples, escaping every value', async () => {
    const ids = (await database.db.select({ id: messages.id }).from(messages).where(eq(messages.conversationId, conversationId))).map((row) => row.id);
    expect(ids.length).toBeGreaterThan(4);
    const rows = await database.db.execute(
      sql.raw(
        sqlText('select id, client_id as clientId from messages where id in (?) and (sender_id, client_id) in (?) and text <> ? order by id', [
          ids,
          [
            [userId, 'raw-0'],
            [userId, 'raw-4'],
            [userId, "nobody') or ('1' = '1"],
          ],
          awkward[4]!,
        ]),
      ),
    );
    expect((rows as unknown as [Array<{ clientId: string }>])[0].map((row) => row.clientId)).toEqual(['raw-0']);
  });
});

describe('tableReader', () => {
  it('reads rows as the query builder reads them: dates, null dates, JSON, awkward text', async () => {
    await database.db
      .update(messages)
      .set({ editedAt: new Date('2026-05-06T07:08:09.010Z'), deletedAt: new Date('2027-01-01T00:00:00.000Z') })
      .where(eq(messages.clientId, 'raw-1'));
    const built = await database.db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(asc(messages.id));
    expect(built.length).toBeGreaterThan(4);
    const reader = tableReader(messages);
    const rows = await queryArrays(
      database.db.$client,
      sqlText(`select ${reader.selectList('m')}, 42 from messages m where m.conversation_id = ? order by m.id`, [conversationId]),
    );
    const read = rows.map((row) => reader.read(row));
    expect(read).toEqual(built);
    expect(read[1]!.editedAt).toBeInstanceOf(Date);
    expect(read[1]!.editedAt!.toISOString()).toBe('2026-05-06T07:08:09.010Z');
    expect(read.map((row) => row.text)).toEqual(built.map((row) => row.text));
    // The values after the table's columns are the caller's.
    expect(rows[0]![reader.width]).toBe(42);
    // Every column is read, under the builder's keys.
    expect(Object.keys(read[0]!)).toEqual(Object.keys(built[0]!));
  });
});
