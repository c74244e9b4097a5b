import { createConnection } from 'mysql2/promise';
import { startMariaDb, MARIADB_PASSWORD, MARIADB_USER } from './mariadb.js';
import { LOOPBACK } from './ports.js';
import type { LocalService } from './service.js';

export interface MariaDbReplicaOptions {
  /** A running MariaDB started with `replication: { serverId, binlog: true }`. */
  primary: LocalService;
  /** Where the replica keeps its datadir (not the primary's). */
  dataDir: string;
  /** Distinct from the primary's and every other replica's; default 2. */
  serverId?: number;
  log?: (msg: string) => void;
}

export interface MariaDbReplica extends LocalService {
  /** Resolves once the replica has applied everything the primary has committed so far. */
  catchUp(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a MariaDB that replicates `primary` with GTIDs (MASTER_USE_GTID=slave_pos) from the
 * primary's current position: what the primary holds already (its accounts) is not copied, so
 * create databases after the replica runs. Both accounts are alike (chorus/chorus, all privileges).
 */
export async function startMariaDbReplica(opts: MariaDbReplicaOptions): Promise<MariaDbReplica> {
  const replica = await startMariaDb({ dataDir: opts.dataDir, log: opts.log, replication: { serverId: opts.serverId ?? 2 } });
  try {
    const position = await query<{ pos: string }>(opts.primary.url, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos');
    if (position[0]?.pos === undefined) throw new Error('the primary has no binary log: start it with replication.binlog');
    await query(
      replica.url,
      'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = ?; ' +
        'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1; ' +
        'START SLAVE',
      [position[0].pos, LOOPBACK, opts.primary.port, MARIADB_USER, MARIADB_PASSWORD],
    );
  } catch (error) {
    await replica.stop();
    throw error;
  }
  return {
    ...replica,
    async catchUp(timeoutMs = 30_000) {
      const [{ pos }] = (await query<{ pos: string }>(opts.primary.url, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos')) as [{ pos: string }];
      const [{ waited }] = (await query<{ waited: number | null }>(replica.url, 'SELECT MASTER_GTID_WAIT(?, ?) AS waited', [pos, timeoutMs / 1000])) as [
        { waited: number | null },
      ];
      if (waited !== 0) throw new Error(`the replica did not apply ${pos} within ${timeoutMs} ms`);
    },
  };
}

/** One statement (or several) on a short-lived connection; the rows of a single SELECT. */
async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const connection = await createConnection({ uri: url, multipleStatements: true });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T[];
  } finally {
    await connection.end();
  }
}
