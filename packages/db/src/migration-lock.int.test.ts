import { randomBytes } from 'node:crypto';
import { createPool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withMigrationLock } from './migration-lock';

// The migration lock on one server (Galera: packages/api/src/galera.int.test.ts): one holder at
// a time, and a holder that died without releasing is replaced once its lease ran out.
const name = `chorus_l_${randomBytes(4).toString('hex')}`;
const pool = createPool({ uri: `${inject('mariadbServerUrl')}/${name}`, connectionLimit: 4 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const admin = createPool({ uri: inject('mariadbServerUrl'), connectionLimit: 1 });
  await admin.query(`create database ${name}`);
  await admin.end();
});
afterAll(async () => {
  await pool.query(`drop database ${name}`);
  await pool.end();
});

describe('withMigrationLock', () => {
  it('lets one holder in at a time and removes its row after', async () => {
    let inside = 0;
    let most = 0;
    const work = async () => {
      most = Math.max(most, ++inside);
      await sleep(300);
      inside--;
    };
    await Promise.all([withMigrationLock(pool, 10, work), withMigrationLock(pool, 10, work), withMigrationLock(pool, 10, work)]);
    expect(most).toBe(1);
    const [rows] = await pool.query('select count(*) as n from __chorus_migration_lock');
    expect((rows as Array<{ n: number }>)[0]!.n).toBe(0);
  });

  it('takes over a lease its dead holder left, and not before it expired', async () => {
    await pool.query("insert into __chorus_migration_lock values (1, 'dead', now(3) + interval 2 second)");
    const started = Date.now();
    await withMigrationLock(pool, 10, async () => {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await pool.query("insert into __chorus_migration_lock values (1, 'alive', now(3) + interval 30 second)");
    await expect(withMigrationLock(pool, 1, async () => {})).rejects.toThrow(/timed out/);
    await pool.query('delete from __chorus_migration_lock');
  });
});
