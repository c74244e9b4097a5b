import { readFileSync } from 'node:fs';
import { inject } from 'vitest';

/** The run's certificate and key, for a test's TLS server. */
export function testTls(): { cert: string; key: string } {
  // Read once: a later run's setup may replace the file, and the pair must come from one read.
  const pem = readFileSync(inject('testTls').certFile, 'utf8');
  return { cert: pem, key: pem };
}
