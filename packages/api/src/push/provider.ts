import type { TPushDeviceKind, TPushDeviceRow, TPushPayload, TPushUrgency } from '@chorus/db';

/** How one push is to be delivered, whatever the platform. */
export interface PushDelivery {
  payload: TPushPayload;
  /** Seconds the platform may hold the push for an unreachable device. */
  ttlSeconds: number;
  urgency: TPushUrgency;
  /** Pushes with the same key replace each other on the device (Web Push `Topic`, FCM `collapse_key`, `apns-collapse-id`). */
  collapseKey: string | null;
  /** The app icon's badge: the user's unread count. */
  badge: number;
}

/**
 * What became of one attempt. `retry`: the platform is busy or failing (429, 5xx, network);
 * `gone`: the device no longer exists (404/410, unregistered token) and is removed; `rejected`:
 * the push itself is wrong (other 4xx) and is not tried again.
 */
export type PushOutcome =
  | { outcome: 'sent'; id?: string }
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  | { outcome: 'gone'; reason: string }
  | { outcome: 'rejected'; reason: string };

/** One platform's sender: Web Push (VAPID), FCM HTTP v1 or APNs. Never throws; reasons hold no payload or secret. */
export interface PushProvider {
  readonly kind: TPushDeviceKind;
  send(device: TPushDeviceRow, delivery: PushDelivery): Promise<PushOutcome>;
  close?(): Promise<void>;
}
