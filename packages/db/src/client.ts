import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import * as schema from './schema/index';
import { retryTransaction } from './transaction-retry';

export type Db = MySql2Database<typeof schema> & { $client: Pool };

export interface CreateDbOptions {
  /** Connections kept by this process; each server instance has its own pool. */
  poolSize?: number;
}

/** Opens a mysql2 pool for `url` (mysql://user:pass@host:port/database) wrapped in Drizzle. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const poolOptions: PoolOptions = {
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
  };
  const pool = createPool(poolOptions);
  optionsOf.set(pool, poolOptions);
  return wrap(pool);
}

/**
 * Drizzle over `client`, whose `transaction` retries a body aborted as a deadlock victim or
 * certification conflict (Galera) and ends transient failures in DatabaseBusyError: the one
 * place every service's transactions get that (see transaction-retry.ts).
 */
const wrap = (client: Pool | PoolConnection): Db => {
  const db = drizzle<typeof schema, Pool>({ client: client as Pool, schema, mode: 'default', casing: 'snake_case' });
  const transaction = db.transaction.bind(db);
  db.transaction = (body, config) => retryTransaction(() => transaction(body, config));
  return db;
};

/** A pool of `openScriptPool`, and one of its connections. */
export type ScriptPool = Pool;
export type ScriptConnection = PoolConnection;

/** The options each pool of `createDb` was opened with. */
const optionsOf = new WeakMap<Pool, PoolOptions>();

/**
 * A second pool to `db`'s database whose connections take several statements in one query:
 * a script of N statements costs one round trip instead of N. Only for SQL text whose values
 * went through mysql2's escaping (`insertRowsSql`, `sqlText`); it is not the pool for
 * anything else, so a mistake elsewhere can never stack a statement. Close it with `end()`.
 */
export function openScriptPool(db: Db, connections: number): ScriptPool {
  const options = optionsOf.get(db.$client);
  if (!options) throw new Error('openScriptPool: db was not opened by createDb');
  return createPool({ ...options, connectionLimit: connections, multipleStatements: true });
}

/**
 * Drizzle on one connection of a pool, for queries inside a transaction the caller runs on
 * that connection by hand. Its `$client` is the connection, not a pool: never close it.
 */
export function drizzleOn(connection: ScriptConnection): Db {
  return wrap(connection);
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
