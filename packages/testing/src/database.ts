import { randomBytes } from 'node:crypto';
import { closeDb, createDb, ensureDatabase, migrate, type Db } from '@chorus/db';
import { createPool } from 'mysql2/promise';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own on the run's MariaDB server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chorus_t_${randomBytes(6).toString('hex')}`;
  const serverUrl = inject('mariadbServerUrl');
  const url = `${serverUrl}/${name}`;
  await ensureDatabase(url);
  const db = createDb(url, { poolSize: 5 });
  await migrate(db);
  return {
    url,
    db,
    async drop() {
      await closeDb(db);
      const pool = createPool({ uri: serverUrl, connectionLimit: 1 });
      try {
        await pool.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await pool.end();
      }
    },
  };
}
