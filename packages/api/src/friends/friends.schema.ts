import { friendRequestStatuses } from '@chorus/db';
import { z } from 'zod';
import { ZPublicUser, ZUserId } from '../users/users.schema';
import { zText } from '../strings';

export const ZSendFriendRequestInput = z.object({
  userId: ZUserId,
  message: zText().trim().max(200, 'At most 200 characters').optional(),
});
export type TSendFriendRequestInput = z.infer<typeof ZSendFriendRequestInput>;

export const ZRequestId = z.number().int().positive();
export const ZRespondInput = z.object({ requestId: ZRequestId, accept: z.boolean() });
export const ZCancelInput = z.object({ requestId: ZRequestId });
export const ZRequestsInput = z.object({ direction: z.enum(['incoming', 'outgoing']) });
export type TRequestDirection = z.infer<typeof ZRequestsInput>['direction'];
export const ZUserTarget = z.object({ userId: ZUserId });

/** A friend request as `friends.*` return it and friend events carry it. */
export const ZFriendRequest = z.object({
  id: z.number(),
  fromUserId: z.number(),
  toUserId: z.number(),
  message: z.string().nullable(),
  status: z.enum(friendRequestStatuses),
  createdAt: z.date(),
  respondedAt: z.date().nullable(),
});
export type TFriendRequest = z.infer<typeof ZFriendRequest>;

/** A pending request with the profile of the other party. */
export const ZFriendRequestWithUser = ZFriendRequest.extend({ user: ZPublicUser });
export type TFriendRequestWithUser = z.infer<typeof ZFriendRequestWithUser>;

/** A related user (friend or blocked) and since when. */
export const ZRelatedUser = z.object({ user: ZPublicUser, since: z.date() });
export type TRelatedUser = z.infer<typeof ZRelatedUser>;
