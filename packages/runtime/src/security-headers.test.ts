import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { setBaseSecurityHeaders, STRICT_TRANSPORT_SECURITY } from './security-headers';

// TLS with a pre-shared key: a real TLS socket without a certificate to make.
const PSK = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' as const };
const key = randomBytes(32);

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const handler = (trustProxy: boolean) => (req: IncomingMessage, res: ServerResponse) => {
  setBaseSecurityHeaders(req, res, trustProxy);
  res.end('ok');
};

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function headersOf(send: typeof httpRequest, options: Record<string, unknown>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = send({ host: '127.0.0.1', path: '/', ...options }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headers every response carries', () => {
  it('HSTS on a TLS connection of our own, whatever the proxy setting', async () => {
    for (const trustProxy of [false, true]) {
      const port = await listen(createHttpsServer({ ...PSK, pskCallback: () => key }, handler(trustProxy)));
      const headers = await headersOf(httpsRequest, {
        port,
        ...PSK,
        pskCallback: () => ({ psk: key, identity: 'test' }),
        checkServerIdentity: () => undefined,
      });
      expect(headers['strict-transport-security']).toBe(STRICT_TRANSPORT_SECURITY);
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('same-origin');
    }
  });

  it('no HSTS on plain HTTP unless a trusted proxy says the browser used HTTPS', async () => {
    const trusting = await listen(createHttpServer(handler(true)));
    const untrusting = await listen(createHttpServer(handler(false)));
    const hsts = async (port: number, headers: Record<string, string | string[]>) =>
      (await headersOf(httpRequest, { port, headers }))['strict-transport-security'];
    expect(await hsts(trusting, {})).toBeUndefined();
    expect(await hsts(trusting, { 'x-forwarded-proto': 'https' })).toBe(STRICT_TRANSPORT_SECURITY);
    expect(await hsts(trusting, { 'x-forwarded-proto': ['https', 'http'] })).toBe(STRICT_TRANSPORT_SECURITY);
    expect(await hsts(trusting, { 'x-forwarded-proto': 'wss' })).toBeUndefined();
    expect(await hsts(untrusting, { 'x-forwarded-proto': 'https' })).toBeUndefined();
  });
});
