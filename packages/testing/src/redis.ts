import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startRedis, type LocalService } from '@chorus/local-services';
import { inject } from 'vitest';
import { acquireTestCluster, testRedisMode } from './redis-cluster';

/**
 * A private redis-server for one test file (or one test): no shared keys, channels or
 * streams between files, and it can be stopped to test outages. Under CHORUS_TEST_REDIS=cluster
 * it is a Redis Cluster with no keys instead, at a `redis-cluster://` address (see redis-cluster.ts;
 * stopping it only gives it back, flushed).
 */
export async function startTestRedis(): Promise<LocalService> {
  if (testRedisMode() === 'cluster') return acquireTestCluster();
  const dataDir = join(inject('testDataDir'), `redis-${randomBytes(4).toString('hex')}`);
  return startRedis({ dataDir });
}
