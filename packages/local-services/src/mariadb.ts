import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBinaries, findMariaDbBinaries, findMroongaPlugin } from './binaries.js';
import type { Log } from './binaries.js';
import { INNODB_ARGS, ensureDataDir, isRoot } from './mariadb-template.js';
import { LOOPBACK, tcpExchange } from './ports.js';
import { startService } from './service.js';
import type { LocalService } from './service.js';

export const MARIADB_USER = 'chorus';
export const MARIADB_PASSWORD = 'chorus';

/**
 * Runs (as the bootstrap thread, with all privileges) on every start before the server accepts any
 * connection, so the account exists — with this password — by the time the port answers.
 */
export const initSql = (): string => INIT_SQL;

const INIT_SQL = ['127.0.0.1', 'localhost']
  .flatMap((host) => {
    const account = `'${MARIADB_USER}'@'${host}'`;
    return [
      `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '${MARIADB_PASSWORD}';`,
      `ALTER USER ${account} IDENTIFIED BY '${MARIADB_PASSWORD}';`,
      `GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`,
    ];
  })
  .join('\n');

/** unix socket paths are limited to 107 bytes (sun_path); fall back to tmpdir for deep dataDirs. */
export function socketPath(dataDir: string): string {
  const preferred = path.join(dataDir, 'mariadb.sock');
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `chorus-mariadb-${hash}.sock`);
}

/**
 * MariaDB answers a new connection with a handshake packet (protocol version 10) once it is really
 * accepting connections; an error packet (0xff) means not yet / refused.
 */
export async function mariaDbProbe(port: number): Promise<boolean> {
  const buf = await tcpExchange(port, undefined, (b) => b.length >= 5, 1000);
  return buf.length >= 5 && buf[4] === 0x0a;
}

/**
 * Start a private mariadbd on a free loopback port with its datadir in `<dataDir>/mariadb`.
 * The URL's account (chorus/chorus) has ALL PRIVILEGES WITH GRANT OPTION; the URL has no database.
 * The Mroonga storage engine (message search) is loaded at every start with --plugin-load-add,
 * which writes nothing to mysql.plugin: the shared template datadir stays as mariadb-install-db
 * made it, and a datadir made before the plugin was installed gets Mroonga too. Mroonga keeps
 * its own files next to the tables that use it, inside the datadir.
 */
export interface MariaDbOptions {
  dataDir: string;
  log?: (msg: string) => void;
  /**
   * Replication: `serverId` (distinct per server of a replication set) and `binlog` (a primary
   * writes row-based binary logs its replicas read). Default: server id 1 and no binary log.
   */
  replication?: { serverId: number; binlog?: boolean };
}

export async function startMariaDb(opts: MariaDbOptions): Promise<LocalService> {
  const log: Log = opts.log ?? (() => {});
  await ensureBinaries(['mariadb', 'mroonga'], opts.log);
  const bins = findMariaDbBinaries();
  const mroonga = findMroongaPlugin();
  if (!bins || !mroonga) throw new Error('mariadbd or ha_mroonga.so not found after ensureBinaries');
  const dataDir = path.resolve(opts.dataDir);
  const datadir = path.join(dataDir, 'mariadb');
  const initFile = path.join(dataDir, 'mariadb-init.sql');
  const socket = socketPath(dataDir);
  return startService({
    name: 'mariadb',
    dataDir,
    serverDir: datadir,
    logFile: path.join(dataDir, 'mariadb.err'),
    binary: bins.mariadbd,
    prepare: async () => {
      await ensureDataDir(bins, datadir, log);
      writeFileSync(initFile, `${INIT_SQL}\n`);
    },
    args: (port) => [
      '--no-defaults', // must come first: ignore /etc/mysql/*.cnf and ~/.my.cnf
      `--datadir=${datadir}`,
      `--port=${port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(datadir, 'mariadbd.pid')}`,
      `--log-error=${path.join(dataDir, 'mariadb.err')}`,
      `--init-file=${initFile}`,
      `--plugin-dir=${path.dirname(mroonga)}`,
      '--plugin-load-add=ha_mroonga.so',
      ...(isRoot() ? ['--user=root'] : []),
      '--skip-name-resolve',
      ...replicationArgs(opts.replication),
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--default-time-zone=+00:00',
      ...INNODB_ARGS,
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-temp-data-file-path=ibtmp1:4M:autoextend',
      '--max-connections=500',
      '--max-allowed-packet=64M',
      '--performance-schema=OFF',
      '--innodb-buffer-pool-load-at-startup=0',
      '--innodb-buffer-pool-dump-at-shutdown=0',
      '--log-warnings=1', // probes close before authenticating; do not log each as "Aborted connection"
    ],
    probe: mariaDbProbe,
    url: (port) => `mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@${LOOPBACK}:${port}`,
    timeoutMs: 60_000,
    log,
  });
}

function replicationArgs(replication: MariaDbOptions['replication']): string[] {
  if (!replication) return ['--skip-log-bin'];
  const id = [`--server-id=${replication.serverId}`];
  // Row events replay exactly what the primary changed (Mroonga tables included).
  return replication.binlog ? [...id, '--log-bin=mariadb-bin', '--binlog-format=ROW'] : [...id, '--skip-log-bin'];
}
