import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { createPool, type Pool } from 'mysql2/promise';
import * as schema from './schema/index';

export type Db = MySql2Database<typeof schema> & { $client: Pool };

export interface CreateDbOptions {
  /** Connections kept by this process; each server instance has its own pool. */
  poolSize?: number;
}

/** Opens a mysql2 pool for `url` (mysql://user:pass@host:port/database) wrapped in Drizzle. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = createPool({
    uri: url,
    connectionLimit: options.poolSize ?? 10,
    // Every DATETIME is UTC; the server's own time zone never matters.
    timezone: 'Z',
    supportBigNumbers: true,
    enableKeepAlive: true,
    charset: 'utf8mb4_unicode_ci',
    // mysql2 otherwise captures a stack trace for every query to decorate a possible error:
    // about 4% of the CPU of a chat.send. Errors still carry the SQL message; the request log
    // line (requestId, procedure) says where it came from.
    trace: false,
  });
  return drizzle({ client: pool, schema, mode: 'default', casing: 'snake_case' }) as Db;
}

/** Round-trips a trivial query; used by readiness checks. */
export async function pingDb(db: Db): Promise<void> {
  await db.$client.query('SELECT 1');
}

export async function closeDb(db: Db): Promise<void> {
  await db.$client.end();
}

/**
 * Creates the database named in `url` when it does not exist yet (local and test setups;
 * production databases are provisioned by their operators).
 */
export async function ensureDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) {
    throw new Error(`DATABASE_URL must name a database of letters, digits and _ (got "${name}")`);
  }
  parsed.pathname = '/';
  const pool = createPool({ uri: parsed.toString(), connectionLimit: 1 });
  try {
    await pool.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await pool.end();
  }
}
