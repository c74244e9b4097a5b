import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testTls } from './tls-server';

describe('the loopback test certificate', () => {
  const server = createServer(testTls(), (_request, response) => response.end('ok'));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('is trusted by test processes, with certificate checks on', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    for (const host of ['127.0.0.1', 'localhost']) {
      const response = await fetch(`https://${host}:${port}/`);
      expect(await response.text()).toBe('ok');
    }
  });
});
