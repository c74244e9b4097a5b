import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createScratchDatabase } from '@chorus/db/testing';
import { startMariaDb, startMariaDbReplica, type LocalService, type MariaDbReplica } from '@chorus/local-services';
import { createConnection } from 'mysql2/promise';
import { inject } from 'vitest';
import type { TestDatabase } from './database';

export interface TestReplicaSet {
  /** A primary with a binary log, and its GTID replica. */
  primary: LocalService;
  replica: MariaDbReplica;
  /** A fresh, migrated database on the primary (pass as `database` to startTestServer). */
  database: TestDatabase;
  /** The same database on the replica, caught up with its migrations (pass as `replica.url`). */
  replicaUrl: string;
  /** Runs SQL on the replica server, e.g. STOP SLAVE SQL_THREAD to make it lag. */
  onReplica(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A MariaDB primary and replica of this test file's own (the run's shared server has no binary
 * log), with one migrated database on both.
 */
export async function startTestReplicaSet(): Promise<TestReplicaSet> {
  const dir = join(inject('testDataDir'), `replica-set-${randomBytes(4).toString('hex')}`);
  const primary = await startMariaDb({ dataDir: join(dir, 'primary'), replication: { serverId: 1, binlog: true } });
  let replica: MariaDbReplica | undefined;
  try {
    replica = await startMariaDbReplica({ primary, dataDir: join(dir, 'replica'), serverId: 2 });
    const database = await createScratchDatabase(primary.url);
    await replica.catchUp();
    const name = new URL(database.url).pathname;
    const running = replica;
    return {
      primary,
      replica: running,
      database,
      replicaUrl: `${replica.url}${name}`,
      async onReplica(sql) {
        const connection = await createConnection({ uri: running.url });
        try {
          await connection.query(sql);
        } finally {
          await connection.end();
        }
      },
      async stop() {
        await database.drop().catch(() => {});
        await running.stop();
        await primary.stop();
      },
    };
  } catch (error) {
    await replica?.stop();
    await primary.stop();
    throw error;
  }
}
