import { z } from 'zod';
import { authedProcedure, router } from '../trpc';
import { blockUser, listBlocked, unblockUser } from './block.service';
import { listFriends, removeFriend } from './friendships.service';
import {
  ZCancelInput,
  ZFriendRequest,
  ZFriendRequestWithUser,
  ZRelatedUser,
  ZRequestsInput,
  ZRespondInput,
  ZSendFriendRequestInput,
  ZUserTarget,
} from './friends.schema';
import { listRequests } from './requests-list.service';
import { cancelRequest, respondToRequest } from './respond.service';
import { sendFriendRequest } from './send-request.service';

export const friendsRouter = router({
  request: authedProcedure
    .input(ZSendFriendRequestInput)
    .output(ZFriendRequest)
    .mutation(({ ctx, input }) => sendFriendRequest(ctx.deps, ctx.user.id, input)),
  respond: authedProcedure
    .input(ZRespondInput)
    .output(ZFriendRequest)
    .mutation(({ ctx, input }) => respondToRequest(ctx.deps, ctx.user.id, input)),
  cancel: authedProcedure
    .input(ZCancelInput)
    .output(ZFriendRequest)
    .mutation(({ ctx, input }) => cancelRequest(ctx.deps, ctx.user.id, input)),
  list: authedProcedure.output(z.array(ZRelatedUser)).query(({ ctx }) => listFriends(ctx.deps, ctx.user.id)),
  requests: authedProcedure
    .input(ZRequestsInput)
    .output(z.array(ZFriendRequestWithUser))
    .query(({ ctx, input }) => listRequests(ctx.deps, ctx.user.id, input.direction)),
  remove: authedProcedure
    .input(ZUserTarget)
    .output(z.object({ status: z.literal('removed') }))
    .mutation(({ ctx, input }) => removeFriend(ctx.deps, ctx.user.id, input.userId)),
  block: authedProcedure
    .input(ZUserTarget)
    .output(z.object({ status: z.literal('blocked') }))
    .mutation(({ ctx, input }) => blockUser(ctx.deps, ctx.user.id, input.userId)),
  unblock: authedProcedure
    .input(ZUserTarget)
    .output(z.object({ status: z.literal('unblocked') }))
    .mutation(({ ctx, input }) => unblockUser(ctx.deps, ctx.user.id, input.userId)),
  blocked: authedProcedure.output(z.array(ZRelatedUser)).query(({ ctx }) => listBlocked(ctx.deps, ctx.user.id)),
});
