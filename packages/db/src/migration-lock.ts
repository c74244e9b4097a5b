import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';

const TABLE = '__chorus_migration_lock';
/** A holder that stops renewing (killed mid-migration) loses the lock after this long. */
const LEASE_SECONDS = 30;
const RENEW_MS = 5_000;
const POLL_MS = 250;

/**
 * A lock row instead of GET_LOCK: named locks are local to one server, and a Galera cluster does
 * not replicate them, so two instances starting on different nodes would both get "the" lock.
 * A row is replicated like any other: of two nodes writing it at once, certification lets one
 * commit and aborts the other (ER_LOCK_DEADLOCK), and once one holder's write committed, every
 * later write on any node sees it. The same SQL works on one MariaDB or MySQL 8 server. The row
 * is a lease renewed while migrations run, so a holder that died does not block the next start
 * for longer than LEASE_SECONDS.
 */
export async function withMigrationLock<T>(pool: Pool, timeoutSeconds: number, work: () => Promise<T>): Promise<T> {
  await pool.query(
    `create table if not exists ${TABLE} (id tinyint unsigned not null primary key, holder varchar(64) not null, expires_at datetime(3) not null) engine=InnoDB`,
  );
  const holder = randomUUID();
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await tryAcquire(pool, holder))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the migration lock held by another instance`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let renewal = Promise.resolve(true);
  const timer = setInterval(() => {
    renewal = tryAcquire(pool, holder);
  }, RENEW_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await renewal.catch(() => false);
    await pool.query(`delete from ${TABLE} where id = 1 and holder = ?`, [holder]);
  }
}

/**
 * Takes the lease when it is free or expired, renews it when it is ours; true when we hold it.
 * Assignments of ON DUPLICATE KEY UPDATE run left to right, so `expires_at` sees the new holder.
 */
async function tryAcquire(pool: Pool, holder: string): Promise<boolean> {
  try {
    await pool.query(
      `insert into ${TABLE} (id, holder, expires_at) values (1, ?, now(3) + interval ${LEASE_SECONDS} second)
       on duplicate key update
         holder = if(expires_at < now(3), values(holder), holder),
         expires_at = if(holder = values(holder), values(expires_at), expires_at)`,
      [holder],
    );
  } catch (error) {
    // Lost certification against another node's write of the row: someone else got there first.
    if ((error as { code?: string }).code === 'ER_LOCK_DEADLOCK') return false;
    throw error;
  }
  // Our write committed, and commits apply in the cluster's order: this read sees the winner.
  const [rows] = await pool.query(`select holder from ${TABLE} where id = 1`);
  return (rows as Array<{ holder: string }>)[0]?.holder === holder;
}
