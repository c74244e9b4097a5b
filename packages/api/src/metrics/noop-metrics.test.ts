import { describe, expect, it } from 'vitest';
import type { Metrics } from './metrics';
import { noopMetrics } from './noop-metrics';
import { infoField } from './scrape-time';

/** Every member of Metrics: the compiler refuses this object if one is missing or extra. */
const members: Record<keyof Metrics, true> = {
  enabled: true,
  rpcFinished: true,
  subscriptionStarted: true,
  subscriptionEnded: true,
  wsOpened: true,
  wsClosed: true,
  eventPublished: true,
  deliverySampleDue: true,
  eventDelivered: true,
  eventResynced: true,
  streamArchivePass: true,
  mailSent: true,
  mailFailed: true,
  pushAttempted: true,
  aiGenerationStarted: true,
  aiGenerationEnded: true,
  aiFirstToken: true,
  aiTokens: true,
  aiError: true,
  uploadReceived: true,
  uploadFinished: true,
  uploadFailed: true,
  callEnded: true,
};

describe('noopMetrics', () => {
  it('has every member of Metrics and nothing else', () => {
    expect(Object.keys(noopMetrics).sort()).toEqual(Object.keys(members).sort());
  });

  it('is off, never samples a delivery, and every method does nothing', () => {
    expect(noopMetrics.enabled).toBe(false);
    expect(noopMetrics.deliverySampleDue()).toBe(false);
    for (const [name, member] of Object.entries(noopMetrics)) {
      if (name === 'enabled' || name === 'deliverySampleDue') continue;
      expect(typeof member, name).toBe('function');
      expect((member as (...args: unknown[]) => unknown)('x', 'http', 'query', 'ok', 1)).toBeUndefined();
    }
  });
});

describe('infoField', () => {
  const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2000000\r\n';

  it('reads a numeric field of an INFO section, and only that field', () => {
    expect(infoField(info, 'used_memory')).toBe(1_048_576);
    expect(infoField(info, 'used_memory_rss')).toBe(2_000_000);
    expect(infoField(info, 'connected_clients')).toBeNull();
  });
});
