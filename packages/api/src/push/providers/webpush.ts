import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import type { TPushDeviceRow } from '@chorus/db';
import webpush from 'web-push';
import { addressAllowed, EgressRefusedError, guardedLookup, type EgressPolicy } from '../../net/ssrf-guard';
import type { PushDelivery, PushOutcome, PushProvider } from '../provider';
import { retryAfterMs } from './retry-after';

/** The application server's key pair (base64url, as `web-push generate-vapid-keys` prints) and a contact. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:`: who the push service may contact about this sender. */
  subject: string;
}

export interface WebPushProviderOptions {
  vapid: VapidKeys;
  egress: EgressPolicy;
  /** Socket silence that fails a request; the whole request gets twice this. Default 10 s. */
  timeoutMs?: number | undefined;
}

/** Web Push `Topic`: at most 32 URL-safe base64 characters, so longer or other keys are hashed into that. */
export function topicOf(collapseKey: string | null): string | undefined {
  if (!collapseKey) return undefined;
  if (/^[A-Za-z0-9_-]{1,32}$/.test(collapseKey)) return collapseKey;
  return createHash('sha256').update(collapseKey).digest('base64url').slice(0, 32);
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** Push service answers: 404/410 the subscription is gone, 429/5xx come back later, the rest is this push's fault. */
function outcomeOfStatus(status: number, headers: Record<string, string | string[] | undefined>, body: string, now: number): PushOutcome {
  const reason = `push service answered ${status}${body ? `: ${short(body)}` : ''}`;
  if (status === 404 || status === 410) return { outcome: 'gone', reason };
  if (status === 429 || status >= 500) {
    const after = retryAfterMs(headers['retry-after'], now);
    return after === undefined ? { outcome: 'retry', reason } : { outcome: 'retry', reason, retryAfterMs: after };
  }
  return { outcome: 'rejected', reason };
}

/**
 * Sends through the `web-push` library (VAPID JWT, aes128gcm per RFC 8291). Its requests use an
 * agent whose DNS lookup refuses addresses the egress policy forbids, so an endpoint that was
 * public at registration cannot be rebound to an internal address later.
 */
export function createWebPushProvider(options: WebPushProviderOptions): PushProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: 16, lookup: guardedLookup(options.egress) });

  async function send(device: TPushDeviceRow, delivery: PushDelivery): Promise<PushOutcome> {
    if (!device.endpoint || !device.p256dh || !device.auth) return { outcome: 'rejected', reason: 'device has no Web Push subscription' };
    const host = new URL(device.endpoint).hostname.replace(/^\[|\]$/g, '');
    // Net skips the lookup for IP literals: check those here.
    if (isIP(host) && !addressAllowed(host, options.egress)) return { outcome: 'rejected', reason: 'endpoint address refused by the egress policy' };
    const payload = JSON.stringify({ ...delivery.payload, badge: delivery.badge });
    const topic = topicOf(delivery.collapseKey);
    let timer: NodeJS.Timeout | undefined;
    try {
      const request = webpush.sendNotification({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, payload, {
        vapidDetails: options.vapid,
        TTL: delivery.ttlSeconds,
        urgency: delivery.urgency,
        ...(topic ? { topic } : {}),
        contentEncoding: 'aes128gcm',
        timeout: timeoutMs,
        agent,
      });
      const overdue = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs * 2);
      });
      const result = await Promise.race([request, overdue]);
      if (result === 'timeout') return { outcome: 'retry', reason: `no answer within ${timeoutMs * 2} ms` };
      const location = result.headers.location;
      return typeof location === 'string' ? { outcome: 'sent', id: location.slice(-128) } : { outcome: 'sent' };
    } catch (error) {
      if (error instanceof webpush.WebPushError) return outcomeOfStatus(error.statusCode, error.headers, error.body, Date.now());
      if (error instanceof EgressRefusedError) return { outcome: 'rejected', reason: 'endpoint address refused by the egress policy' };
      // Network failures (refused, reset, timeout, DNS) pass; the library's own refusals (bad key) are this push's fault.
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string') return { outcome: 'retry', reason: `network: ${code}` };
      const message = error instanceof Error ? error.message : String(error);
      if (message === 'Socket timeout') return { outcome: 'retry', reason: 'network: timeout' };
      return { outcome: 'rejected', reason: short(`web-push: ${message}`) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    kind: 'webpush',
    send,
    close: async () => {
      agent.destroy();
    },
  };
}
