import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isAlive } from './procs.js';
import { redisCommand } from './redis-cli.js';
import { startRedisCluster } from './redis-cluster.js';
import type { RedisCluster } from './redis-cluster.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-cluster-test-'));
let cluster: RedisCluster | undefined;

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('forms a cluster of three primaries and three replicas, and a replica takes over a killed primary', async () => {
  cluster = await startRedisCluster({ dataDir, nodeTimeoutMs: 1000 });
  expect(cluster.nodes.filter((node) => node.role === 'primary')).toHaveLength(3);
  expect(cluster.nodes.filter((node) => node.role === 'replica')).toHaveLength(3);
  expect(cluster.seeds.split(',')).toHaveLength(6);

  const key = 'chorus:{c42}:cursor';
  const primary = await cluster.primaryForKey(key);
  const slot = await cluster.slotOf(key);
  expect(await cluster.slotOf('chorus:{c42}:audience')).toBe(slot);
  // A node that does not serve the slot redirects: the cluster routes by slot, not by node.
  const other = cluster.nodes.find((node) => node.role === 'primary' && node.port !== primary)!;
  await expect(redisCommand(other.port, 'SET', key, 'x')).rejects.toThrow(/MOVED/);
  await redisCommand(primary, 'SET', key, 'kept');
  expect((await redisCommand(primary, 'WAIT', '1', '2000')).trim()).toBe('1');

  const pid = cluster.nodes.find((node) => node.port === primary)!.pid;
  await cluster.kill(primary);
  expect(isAlive(pid)).toBe(false);
  const promoted = await cluster.waitForFailover(slot);
  expect(promoted).not.toBe(primary);
  expect(cluster.nodes.find((node) => node.port === promoted)?.role).toBe('replica');
  expect((await redisCommand(promoted, 'GET', key)).trim()).toBe('kept');
  expect(await cluster.primaryForKey(key)).toBe(promoted);

  await cluster.stop();
  for (const node of cluster.nodes) expect(isAlive(node.pid)).toBe(false);
}, 60_000);
