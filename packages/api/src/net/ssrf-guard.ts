import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { AppError } from '../errors';
import { addressAllowed, classifyAddress, type AddressClass, type EgressPolicy } from './address-class';

export { addressAllowed, classifyAddress, type AddressClass, type EgressPolicy } from './address-class';
export { createGuardedFetch, EgressRefusedError, guardedLookup } from './guarded-fetch';

export type LookupFn = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: LookupFn = (hostname) => dns.lookup(hostname, { all: true });

// Names that reach metadata services through the platform's resolver. The address checks catch them
// too once resolved; refusing the names also covers resolvers that answer differently later.
const BLOCKED_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

const MAX_URL_LENGTH = 2048;

const REASONS: Record<AddressClass, string> = {
  public: 'a public address',
  private: 'a private network address',
  loopback: 'a loopback address',
  link_local: 'a link-local address',
  metadata: 'a cloud metadata address',
  reserved: 'a reserved address',
};

const refuse = (reason: string) => new AppError('BAD_INPUT', `Provider URL refused: ${reason}`);

/**
 * Checks a user's provider base URL when the config is saved and returns it normalized (no trailing
 * slash). This gives the user a clear error early; the guarded fetch enforces the policy on every
 * connection regardless, since DNS answers may change after this check.
 */
export async function validateProviderUrl(raw: string, policy: EgressPolicy, lookup: LookupFn = systemLookup): Promise<string> {
  if (raw.length > MAX_URL_LENGTH) throw refuse('it is too long');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw refuse('it is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('only http and https are supported');
  // Credentials in a URL end up in logs and error messages; the API key has its own field.
  if (url.username || url.password) throw refuse('it must not contain a user name or password');
  if (url.hash) throw refuse('it must not contain a fragment (#)');

  // WHATWG URL has already normalized decimal/hex/octal IPv4 forms (http://2852039166/) to dotted quads.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, '');
  if (BLOCKED_HOSTS.has(host)) throw refuse('cloud metadata hosts are not allowed');

  if (isIP(host)) {
    if (!addressAllowed(host, policy)) throw refuse(`${host} is ${REASONS[classifyAddress(host)]}`);
  } else {
    await checkResolved(host, policy, lookup);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path}${url.search}`;
}

async function checkResolved(host: string, policy: EgressPolicy, lookup: LookupFn): Promise<void> {
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host);
  } catch {
    throw refuse(`cannot resolve ${host}`);
  }
  if (addresses.length === 0) throw refuse(`cannot resolve ${host}`);
  // Every answer must pass: a client may connect to any of them. The message names the kind of
  // address, never the address, so users cannot read our internal DNS through it.
  for (const { address } of addresses) {
    if (!addressAllowed(address, policy)) throw refuse(`${host} resolves to ${REASONS[classifyAddress(address)]}`);
  }
}
