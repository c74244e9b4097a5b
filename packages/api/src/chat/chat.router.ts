import { z } from 'zod';
import { authedProcedure, router } from '../trpc';
import {
  ZAddMembersInput,
  ZConversationDetail,
  ZConversationFields,
  ZConversationPage,
  ZConversationRef,
  ZCreateGroupInput,
  ZEditInput,
  ZHistoryInput,
  ZListInput,
  ZMarkReadInput,
  ZMemberRef,
  ZMessage,
  ZMessageRef,
  ZOpenDirectInput,
  ZReactInput,
  ZSendInput,
  ZSetRoleInput,
  ZUpdateConversationInput,
} from './chat.schema';
import { getConversation, listConversations } from './conversation-queries.service';
import { createGroup, openDirect } from './conversations.service';
import { addMembers, dissolve, leave, removeMember, setRole, transferOwnership, updateConversation } from './group-admin.service';
import { deleteMessage, editMessage, history, sendMessage } from './messages.service';
import { markRead, react, unreact } from './reactions-reads.service';
import { startTyping } from './typing.service';
import { pinProcedures } from './pins/pins.procedures';
import { threadProcedures } from './threads/threads.procedures';
import { chatSearchProcedures } from '../search/search.procedures';
import { memberLevelProcedures } from '../notifications/settings/member-level.procedures';

const ZOk = z.object({ ok: z.literal(true) });

export const chatRouter = router({
  openDirect: authedProcedure
    .input(ZOpenDirectInput)
    .output(z.object({ conversationId: z.number(), created: z.boolean() }))
    .mutation(({ ctx, input }) => openDirect(ctx.deps, ctx.user.id, input.userId)),
  createGroup: authedProcedure
    .input(ZCreateGroupInput)
    .output(z.object({ conversationId: z.number() }))
    .mutation(({ ctx, input }) => createGroup(ctx.deps, ctx.user.id, input)),
  list: authedProcedure
    .input(ZListInput)
    .output(ZConversationPage)
    .query(({ ctx, input }) => listConversations(ctx.deps, ctx.user.id, input)),
  get: authedProcedure
    .input(ZConversationRef)
    .output(ZConversationDetail)
    .query(({ ctx, input }) => getConversation(ctx.deps, ctx.user.id, input.conversationId)),
  addMembers: authedProcedure
    .input(ZAddMembersInput)
    .output(z.object({ added: z.array(z.number()) }))
    .mutation(({ ctx, input }) => addMembers(ctx.deps, ctx.user.id, input.conversationId, input.userIds)),
  removeMember: authedProcedure
    .input(ZMemberRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => removeMember(ctx.deps, ctx.user.id, input.conversationId, input.userId)),
  leave: authedProcedure
    .input(ZConversationRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => leave(ctx.deps, ctx.user.id, input.conversationId)),
  setRole: authedProcedure
    .input(ZSetRoleInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => setRole(ctx.deps, ctx.user.id, input.conversationId, input.userId, input.role)),
  transferOwnership: authedProcedure
    .input(ZMemberRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => transferOwnership(ctx.deps, ctx.user.id, input.conversationId, input.userId)),
  update: authedProcedure
    .input(ZUpdateConversationInput)
    .output(ZConversationFields)
    .mutation(({ ctx, input }) => updateConversation(ctx.deps, ctx.user.id, input)),
  dissolve: authedProcedure
    .input(ZConversationRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => dissolve(ctx.deps, ctx.user.id, input.conversationId)),
  send: authedProcedure
    .input(ZSendInput)
    .output(ZMessage)
    .mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.user.id, input)),
  edit: authedProcedure
    .input(ZEditInput)
    .output(ZMessage)
    .mutation(({ ctx, input }) => editMessage(ctx.deps, ctx.user.id, input.messageId, input.text)),
  delete: authedProcedure
    .input(ZMessageRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => deleteMessage(ctx.deps, ctx.user.id, input.messageId)),
  react: authedProcedure
    .input(ZReactInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => react(ctx.deps, ctx.user.id, input.messageId, input.emoji)),
  unreact: authedProcedure
    .input(ZReactInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => unreact(ctx.deps, ctx.user.id, input.messageId, input.emoji)),
  history: authedProcedure
    .input(ZHistoryInput)
    .output(z.array(ZMessage))
    .query(({ ctx, input }) => history(ctx.deps, ctx.user.id, input)),
  markRead: authedProcedure
    .input(ZMarkReadInput)
    .output(z.object({ lastReadMessageId: z.number() }))
    .mutation(({ ctx, input }) => markRead(ctx.deps, ctx.user.id, input.conversationId, input.upToMessageId)),
  typing: authedProcedure
    .input(ZConversationRef)
    .output(z.object({ expiresAt: z.date() }))
    .mutation(({ ctx, input }) => startTyping(ctx.deps, ctx.user.id, input.conversationId)),
  ...pinProcedures,
  ...threadProcedures,
  ...chatSearchProcedures,
  ...memberLevelProcedures,
});
