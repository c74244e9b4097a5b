import { z } from 'zod';
import { zString } from '../strings';

export const ZUserId = z.number().int().positive();

/** What anyone signed in may see about a user. */
export const ZPublicUser = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  isGuest: z.boolean(),
  createdAt: z.date(),
});
export type TPublicUser = z.infer<typeof ZPublicUser>;

export const ZGetUserInput = z.object({ userId: ZUserId });
export const ZSearchUsersInput = z.object({
  /** Matches the start of a username or display name. */
  query: zString().trim().min(1).max(64),
  limit: z.number().int().min(1).max(50).default(20),
});
export type TSearchUsersInput = z.infer<typeof ZSearchUsersInput>;
