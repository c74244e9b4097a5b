import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/mysql2/migrator';
import type { Db } from './client';

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

const LOCK_NAME = 'chorus_migrations';
const LOCK_TIMEOUT_SECONDS = 120;

/**
 * Applies the committed drizzle-kit migrations. Several server instances may start at once,
 * so the run is serialized with a named lock held on one dedicated connection.
 */
export async function migrate(db: Db): Promise<void> {
  const lockConnection = await db.$client.getConnection();
  try {
    const [rows] = await lockConnection.query('SELECT GET_LOCK(?, ?) AS acquired', [LOCK_NAME, LOCK_TIMEOUT_SECONDS]);
    const acquired = (rows as Array<{ acquired: number | null }>)[0]?.acquired;
    if (acquired !== 1) throw new Error(`timed out waiting for the ${LOCK_NAME} lock held by another instance`);
    try {
      await drizzleMigrate(db, { migrationsFolder });
    } finally {
      await lockConnection.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    lockConnection.release();
  }
}
