// A test database copied from the template must be what the migrations make: same tables, columns,
// keys, foreign keys, engines, counters and journal rows.
import { createScratchDatabase, type ScratchDatabase } from '@chorus/db/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase } from './database';

let migrated: ScratchDatabase;
let copied: ScratchDatabase;

beforeAll(async () => {
  [migrated, copied] = await Promise.all([createScratchDatabase(inject('mariadbServerUrl')), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.allSettled([migrated?.drop(), copied?.drop()]);
});

/** Every table's CREATE TABLE and every row of drizzle's journal. */
async function describeDatabase(database: ScratchDatabase) {
  const pool = database.db.$client;
  const [tables] = await pool.query<RowDataPacket[]>(
    'select table_name as name from information_schema.tables where table_schema = database() order by table_name',
  );
  const creates = new Map<string, string>();
  for (const { name } of tables as Array<{ name: string }>) {
    const [[row]] = await pool.query<RowDataPacket[]>(`show create table \`${name}\``);
    creates.set(name, String(row!['Create Table']));
  }
  const [journal] = await pool.query<RowDataPacket[]>('select * from __drizzle_migrations order by id');
  return { creates, journal };
}

describe('test databases', () => {
  it('are copies of the template exactly as the migrations make them', async () => {
    const [expected, actual] = await Promise.all([describeDatabase(migrated), describeDatabase(copied)]);
    expect(expected.creates.size).toBeGreaterThan(20);
    expect([...actual.creates.keys()]).toEqual([...expected.creates.keys()]);
    for (const [table, create] of expected.creates) expect(actual.creates.get(table), table).toBe(create);
    expect(actual.journal).toEqual(expected.journal);
    expect(actual.journal.length).toBeGreaterThan(10);
  });

  it('are each their own', async () => {
    const other = await createTestDatabase();
    try {
      expect(other.url).not.toBe(copied.url);
      await copied.db.$client.query("insert into users (email, username, display_name) values ('one@example.com', 'one', 'One')");
      const [rows] = await other.db.$client.query<RowDataPacket[]>('select count(*) as n from users');
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await other.drop();
    }
  });
});
