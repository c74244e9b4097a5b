import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureBinaries, findBinary, findMariaDbBinaries, findMroongaPlugin } from './binaries.js';
import type { Log } from './binaries.js';
import { INNODB_ARGS, ensureDataDir, isRoot } from './mariadb-template.js';
import { MARIADB_PASSWORD, MARIADB_USER, initSql, mariaDbProbe, socketPath } from './mariadb.js';
import { LOOPBACK, getFreePort, sleep } from './ports.js';
import { startService } from './service.js';
import type { LocalService } from './service.js';

import { GALERA_PROVIDER } from './binaries.js';

export interface GaleraCluster {
  /** mysql://chorus:chorus@127.0.0.1:PORT per node (no database); a node keeps its port across restarts. */
  urls: string[];
  /** SIGKILL node `index` (a crash); resolves once it has exited. The others keep the cluster (2 of 3 is a majority). */
  kill(index: number): Promise<void>;
  /** Start node `index` again; it rejoins (IST from a peer) and resolves once the cluster is whole and Synced again. */
  restart(index: number): Promise<void>;
  /** Stop every node. Idempotent. */
  stop(): Promise<void>;
}

interface NodePorts {
  sql: number;
  gcomm: number;
  ist: number;
  sst: number;
}

async function stopAll(services: Array<LocalService | undefined>): Promise<void> {
  await Promise.all(services.flatMap((service) => (service ? [service.stop()] : [])));
}

/** uid and gid of `nobody`, whom rsync's daemon becomes when root starts it without a uid setting. */
function nobody(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return [Number(uid ?? 65534), Number(gid ?? 65534)];
}

/** chown -R: the files mariadbd (root) made since must be replaceable by the next rsync SST. */
function chownTree(dir: string, [uid, gid]: [number, number]): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(file, [uid, gid]);
    else chownSync(file, uid, gid);
  }
}

function nodeArgs(opts: { dir: string; datadir: string; ports: NodePorts; all: NodePorts[]; bootstrap: boolean; mroonga: string; initFile: string }): string[] {
  const { dir, datadir, ports } = opts;
  const peers = opts.all.map((p) => `${LOOPBACK}:${p.gcomm}`).join(',');
  return [
    '--no-defaults', // must come first
    `--datadir=${datadir}`,
    `--port=${ports.sql}`,
    `--bind-address=${LOOPBACK}`,
    `--socket=${socketPath(dir)}`,
    `--pid-file=${path.join(datadir, 'mariadbd.pid')}`,
    `--log-error=${path.join(dir, 'mariadb.err')}`,
    `--init-file=${opts.initFile}`,
    `--plugin-dir=${path.dirname(opts.mroonga)}`,
    '--plugin-load-add=ha_mroonga.so',
    ...(isRoot() ? ['--user=root'] : []),
    '--skip-name-resolve',
    '--skip-log-bin',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--default-time-zone=+00:00',
    ...INNODB_ARGS,
    '--innodb-flush-log-at-trx-commit=2',
    '--innodb-temp-data-file-path=ibtmp1:4M:autoextend',
    '--max-connections=300',
    '--max-allowed-packet=64M',
    '--performance-schema=OFF',
    '--innodb-buffer-pool-load-at-startup=0',
    '--innodb-buffer-pool-dump-at-shutdown=0',
    '--log-warnings=1',
    // Galera: row-based write sets, interleaved auto-increment locks, one provider per node.
    '--wsrep-on=ON',
    `--wsrep-provider=${GALERA_PROVIDER}`,
    '--wsrep-cluster-name=chorus',
    `--wsrep-cluster-address=gcomm://${peers}`,
    `--wsrep-node-address=${LOOPBACK}:${ports.gcomm}`,
    `--wsrep-node-incoming-address=${LOOPBACK}:${ports.sql}`,
    `--wsrep-node-name=node-${ports.sql}`,
    // Short timeouts: a killed node leaves the view within ~3 s instead of the default ~15 s.
    `--wsrep-provider-options=base_port=${ports.gcomm};ist.recv_addr=${LOOPBACK}:${ports.ist};gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S;evs.keepalive_period=PT0.5S;pc.wait_prim_timeout=PT10S`,
    `--wsrep-sst-receive-address=${LOOPBACK}:${ports.sst}`,
    '--wsrep-sst-method=rsync',
    '--wsrep-slave-threads=2',
    // Causal reads: a read waits until the node applied every write set the cluster committed
    // before it. Chorus instances tell each other of commits through Redis (a published event,
    // a gap in a stream) and then read the rows, possibly on another node.
    '--wsrep-sync-wait=1',
    '--binlog-format=ROW',
    '--default-storage-engine=InnoDB',
    '--innodb-autoinc-lock-mode=2',
    ...(opts.bootstrap ? ['--wsrep-new-cluster'] : []),
  ];
}

/** `SHOW STATUS` values of one node through the mariadb client (this package has no SQL driver). */
function wsrepStatus(port: number): Promise<Record<string, string>> {
  const client = findBinary('mariadb', 'mysql') ?? 'mariadb';
  const args = [
    '--no-defaults',
    '--protocol=TCP',
    `-h${LOOPBACK}`,
    `-P${String(port)}`,
    `-u${MARIADB_USER}`,
    `-p${MARIADB_PASSWORD}`,
    '-N',
    '-B',
    '-e',
    "SHOW GLOBAL STATUS LIKE 'wsrep_%'",
  ];
  return new Promise((resolve) => {
    execFile(client, args, { timeout: 3000 }, (err, stdout) => {
      if (err) return resolve({});
      resolve(Object.fromEntries(stdout.split('\n').map((line) => line.split('\t') as [string, string])));
    });
  });
}

async function waitSynced(ports: number[], size: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Array<Record<string, string>> = [];
  while (Date.now() < deadline) {
    last = await Promise.all(ports.map(wsrepStatus));
    const ok = last.every((s) => s['wsrep_cluster_size'] === String(size) && s['wsrep_local_state_comment'] === 'Synced' && s['wsrep_ready'] === 'ON');
    if (ok) return;
    await sleep(200);
  }
  const seen = last.map((s, i) => `:${ports[i]} size=${s['wsrep_cluster_size'] ?? '?'} state=${s['wsrep_local_state_comment'] ?? '?'}`).join(', ');
  throw new Error(`Galera cluster not whole and Synced within ${timeoutMs / 1000} s (${seen})`);
}

/**
 * Start a Galera cluster of `nodes` mariadbd processes (Debian's mariadb-server + galera-4) on
 * loopback, each with its datadir under `<dataDir>/galera-<i>`. Node 0 bootstraps the cluster
 * (--wsrep-new-cluster), the others join; resolves once every node is Synced in a cluster of
 * `nodes` (about 20 s). Each node is a supervised service like `startMariaDb`'s: it never outlives this process
 * and a leftover from a dead run is killed on the next start.
 */
export async function startGalera(opts: {
  dataDir: string;
  nodes?: number;
  log?: Log;
  /**
   * Runs against node 0 (its URL) before the others join: whatever it writes (a migrated
   * database) reaches them in their one snapshot transfer instead of as many replicated DDLs.
   */
  seed?: (url: string) => Promise<void>;
}): Promise<GaleraCluster> {
  const log: Log = opts.log ?? (() => {});
  const count = opts.nodes ?? 3;
  await ensureBinaries(['mariadb', 'mroonga', 'galera'], opts.log);
  const bins = findMariaDbBinaries();
  const mroonga = findMroongaPlugin();
  if (!bins || !mroonga) throw new Error('mariadbd or ha_mroonga.so not found after ensureBinaries');
  const root = path.resolve(opts.dataDir);
  const ports: NodePorts[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < count; i++) {
    const next = async () => {
      for (;;) {
        const port = await getFreePort();
        if (!taken.has(port)) return (taken.add(port), port);
      }
    };
    ports.push({ sql: await next(), gcomm: await next(), ist: await next(), sst: await next() });
  }
  const services: Array<LocalService | undefined> = Array.from({ length: count }, () => undefined);

  const startNode = async (i: number, first: boolean): Promise<void> => {
    const dir = path.join(root, `galera-${i}`);
    const datadir = path.join(dir, 'mariadb');
    const initFile = path.join(dir, 'mariadb-init.sql');
    services[i] = await startService({
      name: 'mariadb',
      dataDir: dir,
      serverDir: datadir,
      logFile: path.join(dir, 'mariadb.err'),
      binary: bins.mariadbd,
      port: ports[i]!.sql,
      prepare: async () => {
        // A rejoining node may get a full snapshot again (its gcache position lost in the crash).
        if (!first) return isRoot() ? chownTree(datadir, nobody()) : undefined;
        // A fresh datadir per start of the cluster: every start is a new cluster.
        await rm(datadir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        if (i === 0) {
          await ensureDataDir(bins, datadir, log);
        } else {
          // A joiner starts empty and receives node 0's datadir by rsync SST. The script's rsync
          // daemon drops to `nobody` when started by root, so the directory is nobody's.
          mkdirSync(datadir, { recursive: true });
          if (isRoot()) chownTree(datadir, nobody());
        }
        // The account is made on each node locally (not replicated), before it accepts connections.
        writeFileSync(initFile, `SET SESSION wsrep_on = OFF;\n${initSql()}\n`);
      },
      args: () => nodeArgs({ dir, datadir, ports: ports[i]!, all: ports, bootstrap: first && i === 0, mroonga, initFile }),
      probe: mariaDbProbe,
      url: (port) => `mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@${LOOPBACK}:${port}`,
      timeoutMs: 60_000,
      log,
    });
  };

  const started = Date.now();
  try {
    await startNode(0, true);
    await opts.seed?.(`mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@${LOOPBACK}:${ports[0]!.sql}`);
    // One joiner at a time: a second joiner asking while the only donor is busy gives up and aborts.
    for (let i = 1; i < count; i++) await startNode(i, true);
    await waitSynced(
      ports.map((p) => p.sql),
      count,
      60_000,
    );
  } catch (err) {
    await stopAll(services);
    throw err;
  }
  log(`galera cluster of ${count} ready in ${Date.now() - started} ms`);

  let stopped: Promise<void> | undefined;
  return {
    urls: ports.map((p) => `mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@${LOOPBACK}:${p.sql}`),
    async kill(index) {
      await services[index]?.kill();
      services[index] = undefined;
    },
    async restart(index) {
      if (services[index]) throw new Error(`galera node ${index} is running`);
      await startNode(index, false);
      await waitSynced(
        ports.map((p) => p.sql),
        count,
        60_000,
      );
    },
    stop() {
      stopped ??= stopAll(services);
      return stopped;
    },
  };
}
