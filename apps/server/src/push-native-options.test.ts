import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApnsSettings, loadFcmSettings, loadPushNativeSettings, type PushNativeEnv } from './push-native-options';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const account = {
  type: 'service_account',
  project_id: 'chorus-prod',
  private_key_id: 'abc123',
  private_key: rsaPem,
  client_email: 'push@chorus-prod.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};
const dir = mkdtempSync(join(tmpdir(), 'chorus-push-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const apnsEnv: PushNativeEnv = { APNS_KEY: p8, APNS_KEY_ID: 'ABCDE12345', APNS_TEAM_ID: 'TEAM123456' };

/** The message of what `load` throws, checked to hold none of the secrets. */
function failure(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    const message = (error as Error).message;
    for (const secret of [rsaPem, p8]) expect(message).not.toContain(secret.split('\n')[1]);
    return message;
  }
  throw new Error('expected a failure');
}

describe('push platform settings from the environment', () => {
  it('leaves both platforms off when nothing is set', () => {
    expect(loadPushNativeSettings({})).toEqual({ fcm: null, apns: null });
    expect(loadPushNativeSettings({ FCM_SERVICE_ACCOUNT: '  ', APNS_KEY: '' })).toEqual({ fcm: null, apns: null });
  });

  it('reads the FCM service account inline or from a file, with the default or a given endpoint', () => {
    const inline = loadFcmSettings({ FCM_SERVICE_ACCOUNT: JSON.stringify(account) });
    expect(inline).toMatchObject({
      endpoint: 'https://fcm.googleapis.com',
      serviceAccount: { projectId: 'chorus-prod', clientEmail: account.client_email, privateKeyId: 'abc123' },
    });
    expect(inline?.serviceAccount.privateKey.asymmetricKeyType).toBe('rsa');
    const file = join(dir, 'service-account.json');
    writeFileSync(file, JSON.stringify(account));
    expect(loadFcmSettings({ FCM_SERVICE_ACCOUNT_FILE: file, FCM_ENDPOINT: 'http://127.0.0.1:8080/' })).toMatchObject({
      endpoint: 'http://127.0.0.1:8080',
      serviceAccount: { projectId: 'chorus-prod' },
    });
  });

  it('refuses wrong FCM settings, naming the variable and never echoing the key', () => {
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT: `{"private_key": "${rsaPem.split('\n')[1]}"` }))).toBe(
      'FCM_SERVICE_ACCOUNT is not valid JSON (expected a service account key file)',
    );
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT: JSON.stringify({ ...account, client_email: undefined }) }))).toBe(
      'FCM_SERVICE_ACCOUNT has no "client_email"',
    );
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT: JSON.stringify({ ...account, private_key: rsaPem.slice(0, 200) }) }))).toBe(
      'FCM_SERVICE_ACCOUNT has a "private_key" that is not a PEM private key',
    );
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT_FILE: join(dir, 'missing.json') }))).toBe(
      `FCM_SERVICE_ACCOUNT_FILE: cannot read ${join(dir, 'missing.json')} (ENOENT)`,
    );
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT: JSON.stringify(account), FCM_SERVICE_ACCOUNT_FILE: '/x' }))).toBe(
      'set FCM_SERVICE_ACCOUNT or FCM_SERVICE_ACCOUNT_FILE, not both',
    );
    expect(failure(() => loadFcmSettings({ FCM_SERVICE_ACCOUNT: JSON.stringify(account), FCM_ENDPOINT: 'http://fcm.example.com' }))).toBe(
      'FCM_ENDPOINT must be an https URL (plain http only on loopback)',
    );
    expect(failure(() => loadFcmSettings({ FCM_ENDPOINT: 'https://fcm.example.com' }))).toMatch(/^FCM_ENDPOINT is set but FCM_SERVICE_ACCOUNT/);
  });

  it('reads the APNs key inline or from a file, production by default, sandbox on request', () => {
    expect(loadApnsSettings(apnsEnv)).toMatchObject({ keyId: 'ABCDE12345', teamId: 'TEAM123456', endpoint: 'https://api.push.apple.com' });
    const file = join(dir, 'AuthKey_ABCDE12345.p8');
    writeFileSync(file, p8);
    const fromFile = loadApnsSettings({ ...apnsEnv, APNS_KEY: undefined, APNS_KEY_FILE: file, APNS_SANDBOX: 'true' });
    expect(fromFile).toMatchObject({ endpoint: 'https://api.sandbox.push.apple.com' });
    expect(fromFile?.key.asymmetricKeyType).toBe('ec');
    expect(loadApnsSettings({ ...apnsEnv, APNS_KEY: p8.replaceAll('\n', '\\n'), APNS_ENDPOINT: 'https://localhost:8443' })).toMatchObject({
      endpoint: 'https://localhost:8443',
    });
  });

  it('refuses wrong APNs settings, naming the variable and never echoing the key', () => {
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_KEY: rsaPem }))).toBe('APNS_KEY is not a P-256 (ES256) key as APNs signing keys are');
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_KEY: 'AuthKey.p8' }))).toMatch(/^APNS_KEY is not a PEM private key/);
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_KEY_ID: undefined }))).toMatch(/^APNS_KEY_ID must be the 10-character id/);
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_TEAM_ID: 'team' }))).toMatch(/^APNS_TEAM_ID must be the 10-character team id/);
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_SANDBOX: 'yes' }))).toBe('APNS_SANDBOX must be true, false, 1 or 0');
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_SANDBOX: 'true', APNS_ENDPOINT: 'https://localhost:8443' }))).toBe(
      'set APNS_ENDPOINT or APNS_SANDBOX=true, not both',
    );
    expect(failure(() => loadApnsSettings({ ...apnsEnv, APNS_ENDPOINT: 'http://localhost:8443' }))).toBe('APNS_ENDPOINT must be an https URL');
    expect(failure(() => loadApnsSettings({ APNS_KEY_ID: 'ABCDE12345' }))).toBe('APNS_KEY_ID is set but APNS_KEY (or APNS_KEY_FILE) is not');
  });
});
