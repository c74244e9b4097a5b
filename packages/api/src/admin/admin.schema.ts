import { userRoles } from '@chorus/db';
import { z } from 'zod';
import { ZUserId } from '../users/users.schema';
import { zString, zText } from '../strings';

export const ZAdminUser = z.object({
  id: z.number(),
  email: z.string().nullable(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(userRoles),
  isGuest: z.boolean(),
  emailVerified: z.boolean(),
  bannedAt: z.date().nullable(),
  banReason: z.string().nullable(),
  createdAt: z.date(),
});
export type TAdminUser = z.infer<typeof ZAdminUser>;

export const ZAdminListUsersInput = z
  .object({
    /** Prefix of email, username or display name. */
    query: zString().trim().min(1).max(254).optional(),
    status: z.enum(['all', 'banned']).default('all'),
    /** `nextCursor` of the previous page (users newest first). */
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .default({ status: 'all', limit: 50 });
export type TAdminListUsersInput = z.infer<typeof ZAdminListUsersInput>;

export const ZAdminUserPage = z.object({ items: z.array(ZAdminUser), nextCursor: z.number().nullable() });
export type TAdminUserPage = z.infer<typeof ZAdminUserPage>;

export const ZBanInput = z.object({ userId: ZUserId, reason: zText().trim().min(1).max(500) });
export const ZUnbanInput = z.object({ userId: ZUserId });
