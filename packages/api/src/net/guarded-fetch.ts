import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { addressAllowed, classifyAddress, type AddressClass, type EgressPolicy } from './address-class';

/** A connection refused by the egress policy. `address` is for server logs; the message omits it. */
export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    super(`connection to ${hostname} refused: ${addressClass} address is not allowed`);
    this.name = 'EgressRefusedError';
  }
}

function check(hostname: string, address: string, policy: EgressPolicy): EgressRefusedError | null {
  return addressAllowed(address, policy) ? null : new EgressRefusedError(hostname, address, classifyAddress(address));
}

/**
 * dns.lookup with every answer checked at connect time, so a name that resolved to a public address
 * when the config was saved cannot be rebound to an internal one later. Net may ask for one address
 * or all of them (happy eyeballs); either way all are resolved and all must pass.
 */
export function guardedLookup(policy: EgressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '');
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`cannot resolve ${hostname}`), { code: 'ENOTFOUND' }), '');
      for (const { address } of addresses) {
        const refused = check(hostname, address, policy);
        if (refused) return callback(refused, '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

// Node's global FormData and Request come from Node's bundled undici, which this undici does not
// recognise: a FormData body would be sent as the text "[object FormData]". Re-express those through a
// global Request so the body arrives as a stream with its multipart content type.
function toUndiciArgs(input: string | URL | Request, init: RequestInit | undefined): [string, RequestInit] {
  if (!(input instanceof Request) && !(init?.body instanceof FormData)) {
    return [input instanceof URL ? input.href : input, init ?? {}];
  }
  const request = new Request(input, init);
  const body = request.body ?? undefined;
  return [
    request.url,
    { method: request.method, headers: request.headers, body, signal: request.signal, redirect: request.redirect, ...(body ? { duplex: 'half' } : {}) },
  ];
}

/**
 * A fetch for the OpenAI SDK (`new OpenAI({ fetch })`) that only connects to addresses the policy
 * allows. The check runs on every connection, including those opened to follow redirects.
 * Refusals reject with EgressRefusedError (instead of fetch's generic "fetch failed").
 */
export function createGuardedFetch(policy: EgressPolicy, options: { connectTimeoutMs?: number } = {}): typeof fetch {
  const connect = buildConnector({ lookup: guardedLookup(policy), timeout: options.connectTimeoutMs ?? 10_000 });
  const dispatcher = new Agent({
    // Net skips lookup for IP literals, so those are checked here, before the socket is opened.
    connect(opts, callback) {
      const host = stripBrackets(opts.hostname);
      const refused = isIP(host) ? check(host, host, policy) : null;
      if (refused) return callback(refused, null);
      connect(opts, callback);
    },
  });

  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const [url, rest] = toUndiciArgs(input, init);
    const protocol = new URL(url).protocol;
    // undici also serves data: and blob: URLs; a provider is only ever reached over HTTP.
    if (protocol !== 'http:' && protocol !== 'https:') throw new TypeError(`fetch refused: ${protocol} URLs are not allowed`);
    try {
      // dispatcher last: fetchOptions passed through the SDK must not swap in an unguarded one.
      const response = await undiciFetch(url, { ...(rest as UndiciRequestInit), dispatcher });
      // Needed where the DOM lib is on (the client's build compiles this file's types): there undici's Response is not the global one.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      return response as unknown as Response;
    } catch (error) {
      if (error instanceof TypeError && error.cause instanceof EgressRefusedError) throw error.cause;
      throw error;
    }
  };
  return guarded;
}
