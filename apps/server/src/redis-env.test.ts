import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadEnv } from './env';

/** What loadEnv prints before it exits for an invalid environment. */
function refusal(source: NodeJS.ProcessEnv): string {
  const printed: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
  vi.spyOn(process, 'exit').mockImplementation(() => {
    throw new Error('exit');
  });
  expect(() => loadEnv(source)).toThrow('exit');
  return printed.join('\n');
}

afterEach(() => vi.restoreAllMocks());

describe('Redis connection from the environment', () => {
  it('reads cluster seed nodes and Sentinels as host:port lists', () => {
    expect(loadEnv({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,redis-3:7002' }).REDIS_CLUSTER_NODES).toEqual([
      '10.0.0.1:7000',
      '10.0.0.2:7001',
      'redis-3:7002',
    ]);
    const sentinel = loadEnv({ REDIS_SENTINELS: 's1:26379,[::1]:26380', REDIS_SENTINEL_NAME: 'chorus', REDIS_PASSWORD: 'pw' });
    expect(sentinel).toMatchObject({ REDIS_SENTINELS: ['s1:26379', '[::1]:26380'], REDIS_SENTINEL_NAME: 'chorus', REDIS_PASSWORD: 'pw' });
  });

  it('refuses two ways to reach Redis at once, naming both', () => {
    expect(refusal({ REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toMatch(/REDIS_URL and REDIS_CLUSTER_NODES exclude each other/);
    expect(refusal({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'x' })).toMatch(/exclude each other/);
  });

  it('refuses Sentinels without the primary set name, and addresses without a port', () => {
    expect(refusal({ REDIS_SENTINELS: 's1:26379' })).toMatch(/REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS/);
    expect(refusal({ REDIS_CLUSTER_NODES: 'redis-1' })).toMatch(/REDIS_CLUSTER_NODES.*must be host:port/);
  });
});
