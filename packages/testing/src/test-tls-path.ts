import { fileURLToPath } from 'node:url';

/** Where global setup keeps the loopback test certificate; vitest.config.ts trusts it in every worker. */
export const TEST_TLS_CERT_FILE = fileURLToPath(new URL('../../../.data/test/tls/cert.pem', import.meta.url));
