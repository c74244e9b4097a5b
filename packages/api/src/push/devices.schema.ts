import { pushDeviceKinds } from '@chorus/db';
import { z } from 'zod';
import { zString } from '../strings';

const base64url = zString().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** A browser's `PushSubscription.toJSON()`, an FCM registration token, or an APNs device token with the app's bundle id. */
export const ZRegisterDeviceInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('webpush'),
    subscription: z.object({
      endpoint: zString().min(1).max(2048),
      // Browsers add it (usually null); accepted and ignored: the push service's 404/410 is what ends a subscription.
      expirationTime: z.number().nullable().optional(),
      keys: z.object({ p256dh: base64url.max(128), auth: base64url.max(64) }),
    }),
  }),
  z.object({ kind: z.literal('fcm'), token: zString().min(20).max(4096) }),
  z.object({
    kind: z.literal('apns'),
    token: zString().regex(/^[0-9a-fA-F]{64,200}$/, 'an APNs device token is hex'),
    topic: zString().regex(/^[A-Za-z0-9.-]{1,255}$/, 'the app bundle id (apns-topic)'),
  }),
]);
export type TRegisterDeviceInput = z.infer<typeof ZRegisterDeviceInput>;

export const ZDeviceView = z.object({
  id: z.number(),
  kind: z.enum(pushDeviceKinds),
  createdAt: z.date(),
  /** Enough to tell devices apart (the push service's host, a token's last characters); never the address itself. */
  hint: z.string(),
  /** Registered by the session making this call. */
  current: z.boolean(),
});
export type TDeviceView = z.infer<typeof ZDeviceView>;
