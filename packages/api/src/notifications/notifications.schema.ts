import { notificationTypes } from '@chorus/db';
import { z } from 'zod';

export const ZNotification = z.object({
  id: z.number(),
  type: z.enum(notificationTypes),
  payload: z.record(z.string(), z.unknown()),
  readAt: z.date().nullable(),
  createdAt: z.date(),
});

export const ZListNotificationsInput = z
  .object({
    unreadOnly: z.boolean().default(false),
    /** `nextCursor` of the previous page. */
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(100).default(30),
  })
  .default({ unreadOnly: false, limit: 30 });
export type TListNotificationsInput = z.infer<typeof ZListNotificationsInput>;

export const ZNotificationPage = z.object({ items: z.array(ZNotification), nextCursor: z.number().nullable() });

export const ZMarkNotificationsReadInput = z.union([
  z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) }),
  z.object({ all: z.literal(true) }),
]);
export type TMarkNotificationsReadInput = z.infer<typeof ZMarkNotificationsReadInput>;
