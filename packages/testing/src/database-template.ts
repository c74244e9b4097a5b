// Test databases copied from one migrated template instead of migrated one by one. Running the
// migrations is over a hundred DDL statements, 45 of them foreign keys that InnoDB adds by copying
// the table; every test server makes a database, so that was seconds per test file. The global
// setup migrates a template once per run and reads back each table's CREATE TABLE and the rows the
// migrations wrote (drizzle's journal); a test database replays those, one statement per table.
import { randomBytes } from 'node:crypto';
import { closeDb, createDb, ensureDatabase, migrate } from '@chorus/db';
import type { ScratchDatabase } from '@chorus/db/testing';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';

export interface DatabaseTemplate {
  /** The migrated database the copies are made from; it lives as long as the run's MariaDB. */
  name: string;
  /** `SHOW CREATE TABLE` of each of its tables (foreign keys included), in any order. */
  tables: string[];
  /** Tables that hold rows after the migrations, copied row for row. */
  tablesWithRows: string[];
}

const COPY_CONNECTIONS = 4;

const quote = (identifier: string) => `\`${identifier.replaceAll('`', '``')}\``;

async function withConnection<T>(uri: string, work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({ uri });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Migrates a new database on the server at `serverUrl` (no database in the URL) and describes it. */
export async function makeDatabaseTemplate(serverUrl: string): Promise<DatabaseTemplate> {
  const name = `chorus_template_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(`${serverUrl}/${name}`);
  const db = createDb(`${serverUrl}/${name}`, { poolSize: 1 });
  try {
    await migrate(db);
  } finally {
    await closeDb(db);
  }
  return withConnection(serverUrl, async (connection) => {
    const [objects] = await connection.query<RowDataPacket[]>(
      `select table_name as name, table_type as type from information_schema.tables where table_schema = ?
       union all select routine_name, routine_type from information_schema.routines where routine_schema = ?
       union all select trigger_name, 'TRIGGER' from information_schema.triggers where trigger_schema = ?`,
      [name, name, name],
    );
    // Only tables are copied: a migration that adds anything else must be copied here too.
    const others = objects.filter((object) => object.type !== 'BASE TABLE');
    if (others.length > 0) throw new Error(`the test database template copies tables only; found ${others.map((o) => `${o.type} ${o.name}`).join(', ')}`);
    const tables: string[] = [];
    const tablesWithRows: string[] = [];
    for (const { name: table } of objects as Array<{ name: string }>) {
      const [[created]] = await connection.query<RowDataPacket[]>(`show create table ${quote(name)}.${quote(table)}`);
      tables.push(String(created!['Create Table']));
      const [[counted]] = await connection.query<RowDataPacket[]>(`select count(*) as n from ${quote(name)}.${quote(table)}`);
      if (Number(counted!.n) > 0) tablesWithRows.push(table);
    }
    return { name, tables, tablesWithRows };
  });
}

/** A database of its own made from `template`: the same tables, keys and rows as a freshly migrated one. */
export async function copyTemplateDatabase(serverUrl: string, template: DatabaseTemplate): Promise<ScratchDatabase> {
  const name = `chorus_t_${randomBytes(6).toString('hex')}`;
  const url = `${serverUrl}/${name}`;
  await withConnection(serverUrl, (connection) => connection.query(`create database ${quote(name)} character set utf8mb4 collate utf8mb4_unicode_ci`));
  // A few connections side by side: each CREATE TABLE mostly waits for the disk.
  await Promise.all(
    Array.from({ length: COPY_CONNECTIONS }, (_, lane) =>
      withConnection(url, async (connection) => {
        // Tables come in any order, so a foreign key may name a table made after it.
        await connection.query('set foreign_key_checks = 0');
        for (const [index, statement] of template.tables.entries()) if (index % COPY_CONNECTIONS === lane) await connection.query(statement);
      }),
    ),
  );
  await withConnection(url, async (connection) => {
    for (const table of template.tablesWithRows) {
      await connection.query(`insert into ${quote(table)} select * from ${quote(template.name)}.${quote(table)}`);
    }
  });
  const db = createDb(url, { poolSize: 5 });
  return {
    url,
    db,
    async drop() {
      await closeDb(db);
      await withConnection(serverUrl, (connection) => connection.query(`drop database if exists ${quote(name)}`));
    },
  };
}

/** Drops the template (a server the run did not start outlives it). */
export async function dropDatabaseTemplate(serverUrl: string, template: DatabaseTemplate): Promise<void> {
  await withConnection(serverUrl, (connection) => connection.query(`drop database if exists ${quote(template.name)}`));
}
