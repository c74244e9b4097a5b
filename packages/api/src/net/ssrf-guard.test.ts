import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { addressAllowed, classifyAddress, validateProviderUrl, type AddressClass, type LookupFn } from './ssrf-guard';

const open = { allowPrivateNetworks: true };
const closed = { allowPrivateNetworks: false };

const fakeDns =
  (table: Record<string, string[]>): LookupFn =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('classifyAddress', () => {
  const table: Array<[string, AddressClass]> = [
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['0.0.0.0', 'reserved'],
    ['0.1.2.3', 'reserved'],
    ['::', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['ff02::1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['not an ip', 'reserved'],
  ];
  it.each(table)('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('allows private and loopback only when the policy does, metadata never', () => {
    expect(addressAllowed('8.8.8.8', closed)).toBe(true);
    expect(addressAllowed('10.0.0.1', closed)).toBe(false);
    expect(addressAllowed('10.0.0.1', open)).toBe(true);
    expect(addressAllowed('::1', open)).toBe(true);
    expect(addressAllowed('::1', closed)).toBe(false);
    for (const ip of ['169.254.169.254', '100.100.100.200', 'fe80::1', '0.0.0.0', '::']) {
      expect(addressAllowed(ip, open)).toBe(false);
    }
  });
});

describe('validateProviderUrl', () => {
  const dns = fakeDns({
    'api.openai.com': ['162.159.140.245'],
    localhost: ['127.0.0.1', '::1'],
    'split.example': ['93.184.216.34', '10.0.0.7'],
    'rebind.example': ['169.254.169.254'],
  });

  const refused = async (url: string, policy = open, reason?: RegExp) => {
    const error = await validateProviderUrl(url, policy, dns).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, url).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_INPUT');
    if (reason) expect((error as AppError).message).toMatch(reason);
    return error as AppError;
  };

  it('accepts a public provider and normalizes it', async () => {
    await expect(validateProviderUrl('https://api.openai.com/v1', closed, dns)).resolves.toBe('https://api.openai.com/v1');
    await expect(validateProviderUrl(' https://API.openai.com:443/v1/ ', closed, dns)).resolves.toBe('https://api.openai.com/v1');
    await expect(validateProviderUrl('https://api.openai.com/', closed, dns)).resolves.toBe('https://api.openai.com');
    await expect(validateProviderUrl('https://8.8.8.8/v1?api-version=1', closed, dns)).resolves.toBe('https://8.8.8.8/v1?api-version=1');
  });

  it('refuses other schemes, credentials and fragments', async () => {
    await refused('ftp://api.openai.com/v1', open, /only http and https/);
    await refused('file:///etc/passwd', open, /only http and https/);
    await refused('javascript:alert(1)', open, /only http and https/);
    const withCredentials = await refused('http://user:pw@api.openai.com/v1', open, /user name or password/);
    expect(withCredentials.message).not.toContain('pw');
    await refused('https://api.openai.com/v1#x', open, /fragment/);
    await refused('not a url', open, /not a valid URL/);
  });

  it('refuses metadata endpoints whatever the policy', async () => {
    await refused('http://169.254.169.254/latest', open, /metadata/);
    await refused('http://2852039166/latest', open, /metadata/);
    await refused('http://[::ffff:169.254.169.254]/', open, /metadata/);
    await refused('http://[fd00:ec2::254]/', open, /metadata/);
    await refused('http://metadata.google.internal/computeMetadata/v1', open, /metadata hosts/);
    await refused('http://METADATA.google.internal./', open, /metadata hosts/);
    await refused('http://metadata/', open, /metadata hosts/);
    await refused('http://instance-data/latest', open, /metadata hosts/);
    await refused('http://rebind.example/', open, /resolves to a cloud metadata address/);
    await refused('http://0.0.0.0:8080/', open, /reserved/);
  });

  it('allows local model servers only when private networks are', async () => {
    await expect(validateProviderUrl('http://127.0.0.1:11434/v1', open, dns)).resolves.toBe('http://127.0.0.1:11434/v1');
    await refused('http://127.0.0.1:11434/v1', closed, /loopback/);
    await expect(validateProviderUrl('http://localhost:11434/v1/', open, dns)).resolves.toBe('http://localhost:11434/v1');
    await refused('http://localhost:11434/v1', closed, /localhost resolves to a loopback address/);
    await refused('http://[::1]:8000/', closed, /loopback/);
    await refused('http://192.168.1.20:8000/', closed, /private network/);
  });

  it('refuses a name when any of its addresses is refused, without naming the address', async () => {
    await expect(validateProviderUrl('https://split.example/v1', open, dns)).resolves.toBe('https://split.example/v1');
    const error = await refused('https://split.example/v1', closed, /split.example resolves to a private network address/);
    expect(error.message).not.toContain('10.0.0.7');
  });

  it('refuses a name that does not resolve', async () => {
    await refused('https://nowhere.example/v1', open, /cannot resolve nowhere.example/);
    await expect(validateProviderUrl('https://empty.example/', open, async () => [])).rejects.toThrow(/cannot resolve/);
  });
});
