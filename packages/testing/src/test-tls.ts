// A certificate for HTTPS and HTTP/2 servers tests start on loopback (fake push services).
// Global setup makes it at a fixed place that vitest.config.ts names in NODE_EXTRA_CA_CERTS
// before any test worker starts (server processes inherit it), so they trust it the way a
// deployment trusts a private CA: nothing in the code under test turns certificate checks off.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TestTlsFiles {
  certFile: string;
  keyFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The loopback certificate every test process trusts (see test-tls.ts). */
    testTls: TestTlsFiles;
  }
}

/**
 * The certificate (localhost, 127.0.0.1, ::1), kept while it has more than a day to run: test
 * processes read it once, when they start, so every vitest run on the machine (two side by side
 * included) must serve the one its workers trust. Made anew when missing or near its end; the
 * file holds the key too (Node skips it when it reads trusted certificates), written to a
 * temporary file and renamed into place so that a reader always sees a matching pair.
 */
export async function makeTestTls(): Promise<TestTlsFiles> {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) throw new Error('NODE_EXTRA_CA_CERTS is not set: vitest.config.ts names the test certificate there');
  if (!usable(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const pem = await loopbackCertificate();
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, pem, { mode: 0o600 });
    renameSync(tmp, file);
  }
  return { certFile: file, keyFile: file };
}

function usable(file: string): boolean {
  try {
    const pem = readFileSync(file, 'utf8');
    createPrivateKey(pem);
    return Date.parse(new X509Certificate(pem).validTo) > Date.now() + 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

/**
 * A new self-signed certificate for localhost, 127.0.0.1 and ::1 (a week long), and its key, in
 * one PEM text: Node takes it as `cert` and as `key`, and as a trusted certificate.
 */
export async function loopbackCertificate(): Promise<string> {
  // Loaded here: every test file imports this package, only setups and a few tests make certificates.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return `${pems.cert.trimEnd()}\n${pems.private}`;
}
