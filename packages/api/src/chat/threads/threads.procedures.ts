// The thread procedures, spread into the chat router (chat.thread, chat.followThread, …).
import { authedProcedure } from '../../trpc';
import { ZFollowState, ZMarkThreadReadInput, ZThreadInput, ZThreadPage, ZThreadReadState, ZThreadRef } from './threads.schema';
import { markThreadRead, setFollowing, threadPage } from './threads.service';

export const threadProcedures = {
  thread: authedProcedure
    .input(ZThreadInput)
    .output(ZThreadPage)
    .query(({ ctx, input }) => threadPage(ctx.deps, ctx.user.id, input)),
  followThread: authedProcedure
    .input(ZThreadRef)
    .output(ZFollowState)
    .mutation(({ ctx, input }) => setFollowing(ctx.deps, ctx.user.id, input.rootId, true)),
  unfollowThread: authedProcedure
    .input(ZThreadRef)
    .output(ZFollowState)
    .mutation(({ ctx, input }) => setFollowing(ctx.deps, ctx.user.id, input.rootId, false)),
  markThreadRead: authedProcedure
    .input(ZMarkThreadReadInput)
    .output(ZThreadReadState)
    .mutation(({ ctx, input }) => markThreadRead(ctx.deps, ctx.user.id, input.rootId, input.messageId)),
};
