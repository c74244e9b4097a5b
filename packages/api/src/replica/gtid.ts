import type { ScriptConnection as PoolConnection, ScriptPool as Pool } from '@chorus/db';

/**
 * How a server names a replication position and how a replica waits for one: MariaDB's GTID
 * position (`domain-server-seq,…`) or MySQL 8's executed GTID set (`uuid:1-n,…`).
 */
export interface GtidDialect {
  name: 'mariadb' | 'mysql';
  /** On the primary: every transaction committed so far. */
  positionSql: string;
  /** On the replica, with (position, timeout in seconds): one column, `caughtUp` tells its meaning. */
  waitSql: string;
  caughtUp(result: unknown): boolean;
}

const mariadb: GtidDialect = {
  name: 'mariadb',
  positionSql: 'SELECT @@GLOBAL.gtid_binlog_pos AS pos',
  // 0: applied; -1: timed out; NULL: the argument was not a position.
  waitSql: 'SELECT MASTER_GTID_WAIT(?, ?) AS waited',
  caughtUp: (result) => Number(result) === 0 && result !== null,
};

const mysql: GtidDialect = {
  name: 'mysql',
  positionSql: 'SELECT @@GLOBAL.gtid_executed AS pos',
  // 0: applied; 1: timed out.
  waitSql: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS waited',
  caughtUp: (result) => Number(result) === 0 && result !== null,
};

/** The primary's flavour, from its version string (MariaDB says so in it). */
export async function detectDialect(pool: Pool): Promise<GtidDialect> {
  const [rows] = await pool.query<[{ version: string }] & never[]>('SELECT VERSION() AS version');
  return /mariadb/i.test(rows[0]?.version ?? '') ? mariadb : mysql;
}

/**
 * A number that grows with the position, so that of two positions read from one primary the
 * later one wins: the sum of the newest sequence number of each domain (MariaDB) or of the
 * last number of each source's interval list (MySQL). Both only ever grow on one primary.
 */
export function positionRank(position: string): number {
  let rank = 0;
  for (const part of position.split(',')) {
    const last = /(\d+)\s*$/.exec(part.trim());
    if (last) rank += Number(last[1]);
  }
  return rank;
}

/** Waits on this replica connection until it has applied `position`; false on timeout. */
export async function waitFor(connection: PoolConnection, dialect: GtidDialect, position: string, timeoutMs: number): Promise<boolean> {
  const [rows] = await connection.query<[{ waited: unknown }] & never[]>(dialect.waitSql, [position, timeoutMs / 1000]);
  return dialect.caughtUp(rows[0]?.waited ?? null);
}

/**
 * Reads the primary's position, sharing queries between concurrent callers: a caller may join
 * a query that was sent after it asked (so the answer covers its commit), never one already
 * under way. Under a burst of writes that is at most two queries in flight, not one per write.
 */
export function positionReader(pool: Pool, dialect: () => Promise<GtidDialect>): () => Promise<string> {
  let running: Promise<string> | null = null;
  let queued: Promise<string> | null = null;
  const query = async () => {
    const [rows] = await pool.query<[{ pos: string | null }] & never[]>((await dialect()).positionSql);
    return rows[0]?.pos ?? '';
  };
  const start = () => {
    const current = query();
    running = current;
    const clear = () => {
      if (running === current) running = null;
    };
    current.then(clear, clear);
    return current;
  };
  return () => {
    if (!running) return start();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };
}
