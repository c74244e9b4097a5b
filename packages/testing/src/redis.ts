import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startRedis, type LocalService } from '@chorus/local-services';
import { inject } from 'vitest';

/**
 * A private redis-server for one test file (or one test): no shared keys, channels or
 * streams between files, and it can be stopped to test outages.
 */
export async function startTestRedis(): Promise<LocalService> {
  const dataDir = join(inject('testDataDir'), `redis-${randomBytes(4).toString('hex')}`);
  return startRedis({ dataDir });
}
