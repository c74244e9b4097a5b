import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from './env';
import { loadPushOptions } from './push-options';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-push-options-'));
  dirs.push(dir);
  return dir;
}

const publicKey = `B${'A'.repeat(86)}`;
const privateKey = 'C'.repeat(43);

describe('push settings from the environment', () => {
  it('generate VAPID keys once under LOCAL_DATA_DIR outside production, private networks allowed', async () => {
    const LOCAL_DATA_DIR = await dataDir();
    const first = await loadPushOptions(loadEnv({ LOCAL_DATA_DIR }), logger, {});
    const again = await loadPushOptions(loadEnv({ LOCAL_DATA_DIR }), logger, {});
    expect(first.vapid?.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(again.vapid).toEqual(first.vapid);
    expect(first.allowPrivateNetworks).toBe(true);
    expect(await readFile(join(LOCAL_DATA_DIR, 'push-vapid-keys.json'), 'utf8')).toContain(first.vapid!.privateKey);
  });

  it('leave Web Push off in production without keys, and refuse half a pair or a missing subject', async () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'mysql://u:p@db:3306/chorus', LOCAL_DATA_DIR: await dataDir() };
    expect(await loadPushOptions(loadEnv(production), logger, {})).toEqual({ vapid: null, allowPrivateNetworks: false, providers: [] });
    await expect(loadPushOptions(loadEnv({ ...production, VAPID_PUBLIC_KEY: publicKey }), logger)).rejects.toThrow(/set both or neither/);
    await expect(loadPushOptions(loadEnv({ ...production, VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey }), logger)).rejects.toThrow(
      /VAPID_SUBJECT/,
    );
    const configured = await loadPushOptions(
      loadEnv({
        ...production,
        VAPID_PUBLIC_KEY: publicKey,
        VAPID_PRIVATE_KEY: privateKey,
        VAPID_SUBJECT: 'mailto:ops@chorus.example',
        PUSH_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
      logger,
      {},
    );
    expect(configured).toEqual({ vapid: { publicKey, privateKey, subject: 'mailto:ops@chorus.example' }, allowPrivateNetworks: true, providers: [] });
  });

  it('add the FCM and APNs senders their variables configure', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const serviceAccount = JSON.stringify({
      type: 'service_account',
      project_id: 'chorus-test',
      client_email: 'push@chorus-test.iam.gserviceaccount.com',
      private_key: rsa,
      token_uri: 'https://oauth2.googleapis.com/token',
    });
    const env = loadEnv({ LOCAL_DATA_DIR: await dataDir() });
    const both = await loadPushOptions(env, logger, {
      FCM_SERVICE_ACCOUNT: serviceAccount,
      APNS_KEY: p8,
      APNS_KEY_ID: 'ABC123DEFG',
      APNS_TEAM_ID: 'TEAM123456',
    });
    expect(both.providers?.map((provider) => provider.kind)).toEqual(['fcm', 'apns']);
    for (const provider of both.providers ?? []) await provider.close?.();
    expect((await loadPushOptions(env, logger, { FCM_SERVICE_ACCOUNT: serviceAccount })).providers?.map((provider) => provider.kind)).toEqual(['fcm']);
  });
});
