import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { redisCommand } from './redis-cli.js';
import { startRedisSentinel } from './redis-sentinel.js';
import type { RedisSentinelSet } from './redis-sentinel.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-sentinel-test-'));
let set: RedisSentinelSet | undefined;

afterAll(async () => {
  await set?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('sentinels promote the replica when the primary is killed', async () => {
  set = await startRedisSentinel({ dataDir });
  expect(set.sentinels.split(',')).toHaveLength(3);
  const [first, replica] = set.dataPorts;
  expect(await set.primary()).toBe(first);
  await redisCommand(first!, 'SET', 'chorus:{u1}:head', '7');
  expect((await redisCommand(first!, 'WAIT', '1', '2000')).trim()).toBe('1');
  // A replica refuses writes until it is promoted.
  await expect(redisCommand(replica!, 'SET', 'x', '1')).rejects.toThrow(/READONLY/);

  expect(await set.kill()).toBe(first);
  const promoted = await set.waitForFailover();
  expect(promoted).toBe(replica);
  expect((await redisCommand(promoted, 'GET', 'chorus:{u1}:head')).trim()).toBe('7');
  await redisCommand(promoted, 'SET', 'x', '1');
}, 60_000);
