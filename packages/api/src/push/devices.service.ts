import { createHash } from 'node:crypto';
import { pushDevices, type TPushDeviceKind } from '@chorus/db';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { consumeOrThrow } from '../auth/rate-limits';
import type { AppDeps } from '../deps';
import { duplicateKeyOf, retryOnDeadlock } from '../db-errors';
import { AppError } from '../errors';
import type { TDeviceView, TRegisterDeviceInput } from './devices.schema';
import { checkEndpoint, checkSubscriptionKeys } from './subscription-check';

type DevicesDeps = Pick<AppDeps, 'db' | 'push' | 'limiters' | 'clock'>;

/** The session registering: its device goes when it ends (the foreign key cascades). */
export interface DeviceOwner {
  userId: number;
  sessionId: string;
}

const KIND_NAMES: Record<TPushDeviceKind, string> = { webpush: 'Web Push', fcm: 'Firebase Cloud Messaging', apns: 'Apple Push Notification service' };

/** One row per push address, whoever registered it: the same browser or phone signing in as someone else moves over. */
export function deviceFingerprint(kind: TPushDeviceKind, address: string): string {
  return createHash('sha256').update(`${kind}\n${address}`).digest('hex');
}

export async function registerDevice(deps: DevicesDeps, owner: DeviceOwner, input: TRegisterDeviceInput): Promise<{ deviceId: number }> {
  if (!deps.push.providers.has(input.kind)) {
    throw new AppError('UNAVAILABLE', `${KIND_NAMES[input.kind]} is not configured on this server`, { details: { kind: input.kind } });
  }
  await consumeOrThrow(deps.limiters.pushDeviceRegistrationsPerUser, String(owner.userId));
  let row: typeof pushDevices.$inferInsert;
  if (input.kind === 'webpush') {
    const { endpoint, keys } = input.subscription;
    checkSubscriptionKeys(keys);
    await checkEndpoint(endpoint, deps.push.egress);
    row = { ...owner, kind: 'webpush', fingerprint: deviceFingerprint('webpush', endpoint), endpoint, p256dh: keys.p256dh, auth: keys.auth };
  } else if (input.kind === 'fcm') {
    if (!/^[\w:.-]+$/.test(input.token)) throw new AppError('BAD_INPUT', 'token is not an FCM registration token');
    row = { ...owner, kind: 'fcm', fingerprint: deviceFingerprint('fcm', input.token), token: input.token };
  } else {
    const token = input.token.toLowerCase();
    row = { ...owner, kind: 'apns', fingerprint: deviceFingerprint('apns', token), token, topic: input.topic };
  }
  const createdAt = deps.clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      // Concurrent registrations of one user lock each other's rows (the cap's delete): InnoDB may pick a victim.
      return await retryOnDeadlock(() =>
        deps.db.transaction(
          async (tx) => {
            // Replacing (not updating) the row also drops pushes queued for its previous owner.
            await tx.delete(pushDevices).where(eq(pushDevices.fingerprint, row.fingerprint));
            const [inserted] = await tx
              .insert(pushDevices)
              .values({ ...row, createdAt })
              .$returningId();
            if (!inserted) throw new Error('push_devices insert returned no id');
            // The cap evicts by id the devices this transaction sees past it, never by "not among
            // the kept": that would also take another registration's row, uncommitted here, once
            // it commits (READ COMMITTED re-reads a locked row and it matches).
            const owned = await tx
              .select({ id: pushDevices.id })
              .from(pushDevices)
              .where(eq(pushDevices.userId, owner.userId))
              .orderBy(desc(pushDevices.createdAt), desc(pushDevices.id));
            const evicted = owned.slice(deps.push.maxDevicesPerUser).map((device) => device.id);
            if (evicted.length > 0) await tx.delete(pushDevices).where(inArray(pushDevices.id, evicted));
            return { deviceId: inserted.id };
          },
          // READ COMMITTED: no gap locks, so registrations of one user (or of new addresses) do not deadlock on the indexes' gaps.
          { isolationLevel: 'read committed' },
        ),
      );
    } catch (error) {
      // Two registrations of one address at once: the loser runs again and replaces the winner's row.
      if (attempt < 3 && duplicateKeyOf(error) === 'push_devices_fingerprint_uq') continue;
      throw error;
    }
  }
}

function hintOf(device: { kind: TPushDeviceKind; endpoint: string | null; token: string | null; topic: string | null }): string {
  if (device.kind === 'webpush') {
    try {
      return new URL(device.endpoint ?? '').host;
    } catch {
      return 'web';
    }
  }
  const tail = `…${(device.token ?? '').slice(-4)}`;
  return device.kind === 'apns' ? `${device.topic ?? ''} ${tail}` : tail;
}

export async function listDevices(deps: Pick<AppDeps, 'db'>, owner: DeviceOwner): Promise<TDeviceView[]> {
  const rows = await deps.db
    .select({
      id: pushDevices.id,
      kind: pushDevices.kind,
      createdAt: pushDevices.createdAt,
      endpoint: pushDevices.endpoint,
      token: pushDevices.token,
      topic: pushDevices.topic,
      sessionId: pushDevices.sessionId,
    })
    .from(pushDevices)
    .where(eq(pushDevices.userId, owner.userId))
    .orderBy(asc(pushDevices.createdAt), asc(pushDevices.id));
  return rows.map((row) => ({ id: row.id, kind: row.kind, createdAt: row.createdAt, hint: hintOf(row), current: row.sessionId === owner.sessionId }));
}

/** Another user's device answers exactly as a missing one: ids are not probed. */
export async function unregisterDevice(deps: Pick<AppDeps, 'db'>, owner: DeviceOwner, deviceId: number): Promise<void> {
  const [result] = await deps.db.delete(pushDevices).where(and(eq(pushDevices.id, deviceId), eq(pushDevices.userId, owner.userId)));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'No such device');
}

export function vapidPublicKey(deps: Pick<AppDeps, 'push'>): { publicKey: string } {
  if (!deps.push.vapidPublicKey) throw new AppError('UNAVAILABLE', 'Web Push is not configured on this server (no VAPID keys)');
  return { publicKey: deps.push.vapidPublicKey };
}
