// Rotating the server key of AI provider configs: every sealed key re-sealed under the new
// version, used by servers that hold it, and the `keys:rotate` script doing the same.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { formatKeyRing, KeyVault, parseKeyRing, rotateProviderKeys, type KeyRing } from '@chorus/api';
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  createTestClient,
  createTestDatabase,
  repoRoot,
  startFakeOpenAi,
  startMailedTestServer,
  startTestRedis,
  startTestServer,
  type FakeOpenAi,
  type TestAccount,
} from '@chorus/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dump, rows } from './sealed-rows';

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let fake: FakeOpenAi;
const clients: ChorusClient[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [redis, fake] = await Promise.all([startTestRedis(), startFakeOpenAi()]);
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await Promise.allSettled([fake?.close(), redis?.stop()]);
});

function clientOn(url: string, account: TestAccount): ChorusClient {
  const client = createTestClient(url, { token: account.token });
  clients.push(client);
  return client;
}

/** Runs a script of apps/server (as its package.json does) and collects what it printed. */
function runScript(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/scripts/${script}`], {
      cwd: join(repoRoot, 'apps', 'server'),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_FORMAT: 'json', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A database of its own, where every row is sealed under a fresh key ring (version 1): a server
 * on it, and a config of `username`'s with the fake provider's key.
 */
async function sealedConfig(username: string, label: string) {
  const own = await createTestDatabase();
  cleanups.push(() => own.drop());
  const ring1 = parseKeyRing(`1:${randomBytes(32).toString('base64')}`);
  const server = await startMailedTestServer({ database: own, redisUrl: redis.url, ai: { keyRing: ring1 } });
  cleanups.push(() => server.stop());
  const account = await server.accounts.register(username);
  const { id } = await account.client.ai.configs.create.mutate({ label, baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
  return { own, ring1, account, id };
}

describe('key rotation', () => {
  it('re-seals every key under the new server key; servers holding the new key use them', async () => {
    const { own, ring1, account: ray, id } = await sealedConfig('ray', 'rot');
    const read = async () => (await rows(own.db, sql`SELECT * FROM ai_configs WHERE id = ${id}`))[0]!;
    const before = await read();
    expect(before.api_key_version).toBe(1);

    const newKey = randomBytes(32).toString('base64');
    const ring2 = parseKeyRing(`2:${newKey},${formatKeyRing(ring1)}`);
    expect(ring2.current).toBe(2);
    expect(formatKeyRing(ring2)).toBe(`2:${newKey},${formatKeyRing(ring1)}`);
    expect(await rotateProviderKeys(own.db, new KeyVault(ring2))).toEqual({ rotated: 1 });
    const after = await read();
    expect(after.api_key_version).toBe(2);
    expect(after.api_key_sealed).not.toBe(before.api_key_sealed);
    expect(after.api_key_last4).toBe(before.api_key_last4);
    expect(dump([after])).not.toContain(fake.apiKey);
    expect(await rotateProviderKeys(own.db, new KeyVault(ring2))).toEqual({ rotated: 0 });

    const testOn = async (keyRing: KeyRing) => {
      const server = await startTestServer({ database: own, redisUrl: redis.url, ai: { keyRing } });
      cleanups.push(() => server.stop());
      return (await clientOn(server.url, ray).ai.configs.test.mutate({ id })).result;
    };
    expect(await testOn(ring2)).toBe('ok');
    // The old key can be dropped once everything is rotated.
    expect(await testOn(parseKeyRing(`2:${newKey}`))).toBe('ok');
    // A server that never got the new key cannot open it (and does not call the provider with garbage).
    const requestsBefore = fake.requests.length;
    await expect(ray.client.ai.configs.test.mutate({ id })).rejects.toThrow();
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('is what `pnpm --filter @chorus/server keys:rotate` does, with the keys from AI_ENCRYPTION_KEYS', async () => {
    const { own, ring1, id } = await sealedConfig('sam', 'script');
    const ring2 = `2:${randomBytes(32).toString('base64')},${formatKeyRing(ring1)}`;
    const run = () => runScript('keys-rotate.ts', { DATABASE_URL: own.url, REDIS_URL: redis.url, AI_ENCRYPTION_KEYS: ring2 });
    expect(await run()).toMatchObject({ code: 0, stdout: expect.stringContaining('re-sealed 1 provider key(s) under key version 2') as string });
    expect((await rows(own.db, sql`SELECT api_key_version FROM ai_configs WHERE id = ${id}`))[0]).toEqual({ api_key_version: 2 });
    expect(await run()).toMatchObject({ code: 0, stdout: expect.stringContaining('re-sealed 0 provider key(s)') as string });
    // Two processes, each loading the API under tsx (as guest-admin's admin:create test allows for).
  }, 60_000);
});
