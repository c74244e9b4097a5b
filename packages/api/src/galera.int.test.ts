// The database layer on a three-node Galera cluster: certification conflicts between nodes are
// retried by every db.transaction and end in UNAVAILABLE with retryAfter past the bound;
// migrations started on two nodes at once run once; every table has a primary key.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, createDb, DatabaseBusyError, ensureDatabase, migrate, migrationsFolder, TRANSACTION_ATTEMPTS, users, type Db } from '@chorus/db';
import { startTestGalera, type TestGalera } from '@chorus/testing';
import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from './error-formatter';

let galera: TestGalera;
let nodes: Db[] = [];
let userId: number;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  galera = await startTestGalera();
  nodes = galera.urls.map((url) => createDb(url, { poolSize: 3 }));
  const [result] = await nodes[0]!.insert(users).values({ email: 'galera@example.com', username: 'galera', displayName: 'start' });
  userId = result.insertId;
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((db) => closeDb(db)));
  await galera?.stop();
}, 60_000);

const nameOn = async (db: Db) => (await db.select({ name: users.displayName }).from(users).where(eq(users.id, userId)))[0]?.name;

describe('Galera', () => {
  it('retries a transaction that lost certification to another node and commits both', async () => {
    const runs = [0, 0];
    // Both read and lock the row on their own node (row locks are not cluster-wide), then both
    // write it: the second to commit fails certification at COMMIT and runs again.
    const writer = (index: number) =>
      nodes[index]!.transaction(async (tx) => {
        runs[index]!++;
        await tx.select().from(users).where(eq(users.id, userId)).for('update');
        await sleep(300);
        await tx
          .update(users)
          .set({ displayName: `writer ${index}` })
          .where(eq(users.id, userId));
      });
    await Promise.all([writer(0), writer(1)]);
    console.info(`[galera] bodies run: node 0 ${runs[0]}, node 1 ${runs[1]}`);
    expect(runs[0]! + runs[1]!).toBeGreaterThanOrEqual(3);
    const final = await nameOn(nodes[2]!);
    expect(['writer 0', 'writer 1']).toContain(final);
  });

  it('gives up after the bound with DatabaseBusyError, answered as UNAVAILABLE with retryAfter', async () => {
    let runs = 0;
    const error = await nodes[1]!
      .transaction(async (tx) => {
        runs++;
        await tx
          .update(users)
          .set({ displayName: `loser ${runs}` })
          .where(eq(users.id, userId));
        // Every attempt, node 0 commits a write of the same row first.
        await nodes[0]!
          .update(users)
          .set({ displayName: `winner ${runs}` })
          .where(eq(users.id, userId));
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect(runs).toBe(TRANSACTION_ATTEMPTS);
    expect(await nameOn(nodes[1]!)).toBe(`winner ${TRANSACTION_ATTEMPTS}`);
    const shape = formatError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }), 'test.path');
    expect(shape.data).toMatchObject({ appCode: 'UNAVAILABLE', code: 'SERVICE_UNAVAILABLE', httpStatus: 503, retryAfter: 1 });
  });

  it('runs the migrations once when two instances start on different nodes at once', async () => {
    const name = `chorus_m_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(`${galera.urls[0]!.replace(/\/[^/]+$/, '')}/${name}`);
    const fresh = [0, 1].map((index) => createDb(`${galera.urls[index]!.replace(/\/[^/]+$/, '')}/${name}`, { poolSize: 2 }));
    try {
      await Promise.all(fresh.map((db) => migrate(db)));
      const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
      const [applied] = await fresh[1]!.execute(sql`select count(*) as n, count(distinct hash) as distinct_hashes from __drizzle_migrations`);
      expect((applied as unknown as Array<{ n: number; distinct_hashes: number }>)[0]).toEqual({
        n: journal.entries.length,
        distinct_hashes: journal.entries.length,
      });
      const [lock] = await fresh[0]!.execute(sql`select count(*) as n from __chorus_migration_lock`);
      expect((lock as unknown as Array<{ n: number }>)[0]!.n).toBe(0);
    } finally {
      await Promise.all(fresh.map((db) => closeDb(db)));
    }
  });

  it('has a primary key on every table (Galera replicates rows by key)', async () => {
    const [rows] = await nodes[0]!.execute(sql`
      select t.table_name as name from information_schema.tables t
      where t.table_schema = database() and t.table_type = 'BASE TABLE'
        and not exists (select 1 from information_schema.table_constraints c
          where c.table_schema = t.table_schema and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY')`);
    expect(rows as unknown as Array<{ name: string }>).toEqual([]);
    const [tables] = await nodes[0]!.execute(sql`select count(*) as n from information_schema.tables where table_schema = database()`);
    expect((tables as unknown as Array<{ n: number }>)[0]!.n).toBeGreaterThan(20);
  });
});
