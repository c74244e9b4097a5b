import { randomBytes } from 'node:crypto';
import { createPool } from 'mysql2/promise';
import { closeDb, createDb, ensureDatabase, type Db } from './client';
import { migrate } from './migrate';

export interface ScratchDatabase {
  url: string;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own on the MariaDB (or MySQL) server at `serverUrl`
 * (mysql://user:pass@host:port, no database), for tests: each caller gets its own, so test
 * files never see each other's rows.
 */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `chorus_t_${randomBytes(6).toString('hex')}`;
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
