import { describe, expect, it } from 'vitest';
import { defaultCallsSettings } from './calls-runtime';
import { iceServersFor, turnCredential } from './ice-servers.service';

const SECRET = 'turn-secret-0123456789abcdef';
const now = new Date('2024-01-01T00:00:00.500Z');

describe('ICE servers', () => {
  it('computes the TURN REST credential as coturn does (vector from `openssl dgst -sha1 -hmac`)', () => {
    // echo -n '1700000000:42' | openssl dgst -sha1 -hmac 'turn-secret-0123456789abcdef' -binary | base64
    expect(turnCredential(SECRET, 42, 1_700_000_000)).toEqual({ username: '1700000000:42', credential: '1IBWU8XVAMMoW40xHqsceAQW2T8=' });
  });

  it('offers nothing by default, STUN alone without TURN, and TURN only with its secret', () => {
    expect(iceServersFor(defaultCallsSettings, 1, now)).toEqual({ iceServers: [], expiresAt: null });
    const stun = { ...defaultCallsSettings, stunUrls: ['stun:stun.example.com:3478'], turnUrls: ['turn:turn.example.com:3478'] };
    expect(iceServersFor(stun, 1, now)).toEqual({ iceServers: [{ urls: ['stun:stun.example.com:3478'] }], expiresAt: null });
  });

  it('hands out credentials that expire TURN_TTL_SECONDS from now and never the secret', () => {
    const settings = {
      ...defaultCallsSettings,
      turnUrls: ['turn:turn.example.com:3478', 'turns:turn.example.com:5349'],
      turnSecret: SECRET,
      turnTtlSeconds: 600,
    };
    const list = iceServersFor(settings, 7, now);
    const expiry = Math.floor(now.getTime() / 1000) + 600;
    expect(list).toEqual({ iceServers: [{ urls: settings.turnUrls, ...turnCredential(SECRET, 7, expiry) }], expiresAt: new Date(expiry * 1000) });
    expect(list.iceServers[0]!.username).toBe(`${expiry}:7`);
    expect(JSON.stringify(list)).not.toContain(SECRET);
  });
});
