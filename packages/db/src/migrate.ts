import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/mysql2/migrator';
import type { Db } from './client';
import { withMigrationLock } from './migration-lock';

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

const LOCK_TIMEOUT_SECONDS = 120;

/**
 * Applies the committed drizzle-kit migrations. Several server instances may start at once,
 * also against different nodes of a Galera cluster, so the run is serialized with a lock row
 * (migration-lock.ts): the instances after the first find the migrations applied.
 */
export async function migrate(db: Db): Promise<void> {
  await withMigrationLock(db.$client, LOCK_TIMEOUT_SECONDS, () => drizzleMigrate(db, { migrationsFolder }));
}
