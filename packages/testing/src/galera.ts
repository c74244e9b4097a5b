// A three-node Galera cluster for a test file, with a database of the test's own on it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { closeDb, createDb, ensureDatabase, migrate, type Db } from '@chorus/db';
import { startGalera, type GaleraCluster } from '@chorus/local-services';
import { inject } from 'vitest';

export interface TestGalera {
  cluster: GaleraCluster;
  /** The test database's URL on each node (mysql://…@127.0.0.1:PORT/chorus_g_…). */
  urls: string[];
  /** A pool on node 0, migrated. */
  db: Db;
  stop(): Promise<void>;
}

/**
 * Starts a cluster of `nodes` (default 3) under the run's data directory (about 20 s: the
 * joiners receive a snapshot one after the other), creates and migrates a database of its own.
 * The cluster lives as long as the test file; `stop` ends every node.
 */
export async function startTestGalera(nodes = 3): Promise<TestGalera> {
  const dataDir = join(inject('testDataDir'), `galera-${process.pid}-${Date.now()}`);
  const name = `chorus_g_${randomBytes(6).toString('hex')}`;
  // Migrated on the first node alone: the joiners copy the result instead of replaying each DDL.
  const seed = async (serverUrl: string) => {
    const url = `${serverUrl}/${name}`;
    await ensureDatabase(url);
    const db = createDb(url, { poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await closeDb(db);
    }
  };
  const cluster = await startGalera({ dataDir, nodes, seed, log: (msg) => process.stderr.write(`[galera] ${msg}\n`) });
  const urls = cluster.urls.map((url) => `${url}/${name}`);
  try {
    const db = createDb(urls[0]!, { poolSize: 5 });
    return {
      cluster,
      urls,
      db,
      async stop() {
        await closeDb(db).catch(() => undefined);
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
