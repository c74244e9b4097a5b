import { z } from 'zod';
import { accountProcedure, authedProcedure, router } from '../trpc';
import { ZAiConfigView, ZAiConversationView, ZAiImageView, ZAiMessageView, ZConfigTestResult, ZUsageReport } from './ai.outputs';
import {
  ZAssistantRef,
  ZConfigRef,
  ZConversationRef,
  ZCreateConfigInput,
  ZCreateConversationInput,
  ZGenerateImageInput,
  ZListConversationsInput,
  ZMessagesInput,
  ZProviderIdInput,
  ZRenameConversationInput,
  ZSendInput,
  ZStreamInput,
  ZSuggestRepliesInput,
  ZUpdateConfigInput,
  ZUsageInput,
} from './ai.schema';
import { regenerate, sendMessage } from './chat/send.service';
import { stopGeneration } from './chat/stop.service';
import { streamAnswer } from './chat/stream.service';
import { testConfig } from './configs/config-test.service';
import { createConfig, deleteConfig, listConfigs, updateConfig } from './configs/configs.service';
import {
  createConversation,
  deleteConversation,
  listConversations,
  listMessages,
  renameConversation,
  resetConversation,
} from './conversations/conversations.service';
import { generateImage } from './images.service';
import { suggestReplies } from './suggest.service';
import { usageBetween } from './usage.service';
import { aiSearchProcedures } from '../search/search.procedures';

const ZOk = z.object({ ok: z.literal(true) });
const ok = { ok: true as const };

/** Provider configs: the caller's own (full accounts only) plus the operator's system providers. */
const configsRouter = router({
  list: authedProcedure.output(z.array(ZAiConfigView)).query(({ ctx }) => listConfigs(ctx.deps, ctx.user.id)),
  create: accountProcedure
    .input(ZCreateConfigInput)
    .output(ZAiConfigView)
    .mutation(({ ctx, input }) => createConfig(ctx.deps, ctx.user.id, input)),
  update: accountProcedure
    .input(ZUpdateConfigInput)
    .output(ZAiConfigView)
    .mutation(({ ctx, input }) => updateConfig(ctx.deps, ctx.user.id, input)),
  delete: accountProcedure
    .input(ZConfigRef)
    .output(ZOk)
    .mutation(async ({ ctx, input }) => (await deleteConfig(ctx.deps, ctx.user.id, input.id), ok)),
  /** One tiny completion against one of the caller's configs or a system provider. */
  test: accountProcedure
    .input(ZProviderIdInput)
    .output(ZConfigTestResult)
    .mutation(({ ctx, input }) => testConfig(ctx.deps, ctx.user.id, input.id)),
});

const conversationsRouter = router({
  create: authedProcedure
    .input(ZCreateConversationInput)
    .output(ZAiConversationView)
    .mutation(({ ctx, input }) => createConversation(ctx.deps, ctx.user.id, input)),
  list: authedProcedure
    .input(ZListConversationsInput)
    .output(z.object({ items: z.array(ZAiConversationView), total: z.number() }))
    .query(({ ctx, input }) => listConversations(ctx.deps, ctx.user.id, input)),
  rename: authedProcedure
    .input(ZRenameConversationInput)
    .output(ZAiConversationView)
    .mutation(({ ctx, input }) => renameConversation(ctx.deps, ctx.user.id, input.conversationId, input.title)),
  delete: authedProcedure
    .input(ZConversationRef)
    .output(ZOk)
    .mutation(async ({ ctx, input }) => (await deleteConversation(ctx.deps, ctx.user.id, input.conversationId), ok)),
  reset: authedProcedure
    .input(ZConversationRef)
    .output(ZAiConversationView)
    .mutation(({ ctx, input }) => resetConversation(ctx.deps, ctx.user.id, input.conversationId)),
  messages: authedProcedure
    .input(ZMessagesInput)
    .output(z.object({ items: z.array(ZAiMessageView), nextBeforeId: z.number().nullable() }))
    .query(({ ctx, input }) => listMessages(ctx.deps, ctx.user.id, input)),
  ...aiSearchProcedures,
});

const chatRouter = router({
  /** Stores the message and starts the answer; returns at once. Retry with the same clientId safely. */
  send: authedProcedure
    .input(ZSendInput)
    .output(z.object({ userMessageId: z.number(), assistantMessageId: z.number() }))
    .mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.user.id, input)),
  /**
   * The answer's text so far (once), then live deltas, then `done` or `error`. Resumes after
   * `lastEventId`. By `{ conversationId, clientId }` it can be opened together with the send.
   */
  stream: authedProcedure.input(ZStreamInput).subscription(({ ctx, input, signal }) => streamAnswer(ctx.deps, ctx.user.id, input, signal)),
  stop: authedProcedure
    .input(ZAssistantRef)
    .output(ZAiMessageView)
    .mutation(({ ctx, input }) => stopGeneration(ctx.deps, ctx.user.id, input.assistantMessageId)),
  regenerate: authedProcedure
    .input(ZAssistantRef)
    .output(z.object({ assistantMessageId: z.number() }))
    .mutation(({ ctx, input }) => regenerate(ctx.deps, ctx.user.id, input.assistantMessageId)),
});

/** AI conversations with the user's providers, reply suggestions for chats, images, usage. */
export const aiRouter = router({
  configs: configsRouter,
  conversations: conversationsRouter,
  chat: chatRouter,
  suggestReplies: authedProcedure
    .input(ZSuggestRepliesInput)
    .output(z.object({ suggestions: z.array(z.string()) }))
    .mutation(({ ctx, input }) => suggestReplies(ctx.deps, ctx.user.id, input.conversationId)),
  images: router({
    generate: authedProcedure
      .input(ZGenerateImageInput)
      .output(ZAiImageView)
      .mutation(({ ctx, input }) => generateImage(ctx.deps, ctx.user.id, input)),
  }),
  usage: authedProcedure
    .input(ZUsageInput)
    .output(ZUsageReport)
    .query(({ ctx, input }) => usageBetween(ctx.deps, ctx.user.id, input)),
});
