import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from './origins';

const requestWith = (headers: IncomingHttpHeaders) => ({ headers }) as IncomingMessage;

describe('the Origin rule', () => {
  const allowed = createOriginPolicy({ publicOrigins: ['http://localhost:5173'], trustProxy: false });

  it('lets requests without an Origin, from PUBLIC_ORIGINS and from the server itself through', () => {
    expect(allowed(requestWith({ host: '127.0.0.1:3000' }))).toBe(true);
    expect(allowed(requestWith({ host: '127.0.0.1:3000', origin: 'http://localhost:5173' }))).toBe(true);
    expect(allowed(requestWith({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }))).toBe(true);
    expect(allowed(requestWith({ host: 'chat.example.com', origin: 'https://chat.example.com' }))).toBe(true);
    expect(allowed(requestWith({ host: 'Chat.Example.com:443', origin: 'https://chat.example.com' }))).toBe(true);
    expect(allowed(requestWith({ host: '[::1]:3000', origin: 'http://[::1]:3000' }))).toBe(true);
  });

  it('refuses any other Origin', () => {
    const refused: IncomingHttpHeaders[] = [
      { host: '127.0.0.1:3000', origin: 'http://localhost:3000' },
      { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3001' },
      { host: '127.0.0.1:3000', origin: 'https://evil.example' },
      { host: 'chat.example.com', origin: 'https://chat.example.com.evil.example' },
      { host: 'chat.example.com:8443', origin: 'https://chat.example.com' },
      { origin: 'http://127.0.0.1:3000' },
      { host: '127.0.0.1:3000', origin: 'null' },
      { host: '127.0.0.1:3000', origin: 'file://127.0.0.1:3000' },
      { host: 'evil.example@127.0.0.1:3000', origin: 'http://127.0.0.1:3000' },
      { host: '127.0.0.1:3000/x', origin: 'http://127.0.0.1:3000' },
      { host: '127.0.0.1:3000 ', origin: 'http://127.0.0.1:3000' },
    ];
    for (const headers of refused) expect(allowed(requestWith(headers)), JSON.stringify(headers)).toBe(false);
  });

  it('takes the host from x-forwarded-host only behind a trusted proxy', () => {
    const proxied = { host: '10.0.0.5:3000', 'x-forwarded-host': 'chat.example.com, 10.0.0.2', origin: 'https://chat.example.com' };
    expect(allowed(requestWith(proxied))).toBe(false);
    const behindProxy = createOriginPolicy({ publicOrigins: [], trustProxy: true });
    expect(behindProxy(requestWith(proxied))).toBe(true);
    expect(behindProxy(requestWith({ host: 'chat.example.com', origin: 'https://chat.example.com' }))).toBe(true);
    expect(behindProxy(requestWith({ ...proxied, origin: 'http://10.0.0.5:3000' }))).toBe(false);
  });
});
