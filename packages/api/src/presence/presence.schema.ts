import { z } from 'zod';

export const ZPresenceStatus = z.enum(['online', 'away', 'offline']);

/** A user's presence as `presence.get` answers it and `presence` events carry it. */
export const ZPresence = z.object({ userId: z.number(), status: ZPresenceStatus, lastSeenAt: z.date().nullable() });
