import { describe, expect, it } from 'vitest';
import { loadCallsOptions } from './calls-options';
import { loadEnv } from './env';

describe('calls settings from the environment', () => {
  it('defaults to friends only, no ICE servers, 30 s ring and 10 s grace', () => {
    expect(loadCallsOptions(loadEnv({}))).toEqual({
      ringTimeoutMs: 30_000,
      dropGraceMs: 10_000,
      allowSharedConversation: false,
      stunUrls: [],
      turnUrls: [],
      turnSecret: null,
      turnTtlSeconds: 3600,
    });
  });

  it('reads lists, the secret and the switches', () => {
    const env = loadEnv({
      STUN_URLS: 'stun:a.example.com:3478, stun:b.example.com',
      TURN_URLS: 'turn:t.example.com:3478?transport=udp,turns:t.example.com:5349',
      TURN_SECRET: 'a-long-enough-turn-secret',
      TURN_TTL_SECONDS: '600',
      CALL_RING_TIMEOUT_MS: '45000',
      CALL_DROP_GRACE_MS: '5000',
      CALLS_ALLOW_SHARED_CONVERSATION: 'true',
    });
    expect(loadCallsOptions(env)).toEqual({
      ringTimeoutMs: 45_000,
      dropGraceMs: 5000,
      allowSharedConversation: true,
      stunUrls: ['stun:a.example.com:3478', 'stun:b.example.com'],
      turnUrls: ['turn:t.example.com:3478?transport=udp', 'turns:t.example.com:5349'],
      turnSecret: 'a-long-enough-turn-secret',
      turnTtlSeconds: 600,
    });
  });

  it('refuses TURN servers without their secret, naming the variable', () => {
    expect(() => loadCallsOptions(loadEnv({ TURN_URLS: 'turn:t.example.com:3478' }))).toThrow(/TURN_SECRET/);
  });
});
