import { z } from 'zod';
import { ZId } from '../chat/chat.schema';
import { zString, zText } from '../strings';

/** One of the caller's configs (a number) or a system provider (`system:<id>`). */
export const ZProviderRef = z.union([
  ZId,
  z.custom<`system:${string}`>((value) => typeof value === 'string' && /^system:[\w.-]{1,56}$/.test(value), 'Not a provider id'),
]);
export type TProviderRef = z.infer<typeof ZProviderRef>;

export const ZAiParams = z.object({
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(200_000).optional(),
  systemPrompt: zText().max(8000).optional(),
  imageModel: zString().trim().min(1).max(200).optional(),
  contextTokens: z.number().int().min(256).max(2_000_000).optional(),
});

const ZLabel = zString().trim().min(1).max(100);
const ZBaseUrl = zString().trim().min(1).max(2048);
const ZModel = zString().trim().min(1).max(200);
const ZApiKey = zString().trim().min(4).max(1000);

export const ZCreateConfigInput = z.object({
  label: ZLabel,
  baseUrl: ZBaseUrl,
  model: ZModel,
  apiKey: ZApiKey,
  params: ZAiParams.default({}),
  /** The provider used when a call names none (suggestions, new conversations). */
  isDefault: z.boolean().default(false),
});
export type TCreateConfigInput = z.infer<typeof ZCreateConfigInput>;

export const ZUpdateConfigInput = z.object({
  id: ZId,
  label: ZLabel.optional(),
  baseUrl: ZBaseUrl.optional(),
  model: ZModel.optional(),
  /** Omitted keeps the stored key. */
  apiKey: ZApiKey.optional(),
  params: ZAiParams.optional(),
  isDefault: z.boolean().optional(),
});
export type TUpdateConfigInput = z.infer<typeof ZUpdateConfigInput>;

export const ZConfigRef = z.object({ id: ZId });
/** Any provider the caller may use, by the `id` that `ai.configs.list` and `create` return. */
export const ZProviderIdInput = z.object({ id: ZProviderRef });

const ZTitle = zString().trim().min(1).max(200);
export const ZCreateConversationInput = z.object({ title: ZTitle.optional(), configId: ZProviderRef.optional() });
export const ZListConversationsInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});
export const ZConversationRef = z.object({ conversationId: ZId });
export const ZRenameConversationInput = z.object({ conversationId: ZId, title: ZTitle });
export const ZMessagesInput = z.object({ conversationId: ZId, beforeId: ZId.optional(), limit: z.number().int().min(1).max(200).default(50) });

export const MAX_PROMPT_CHARS = 32_000;
export const ZSendInput = z.object({
  conversationId: ZId,
  content: zText().trim().min(1).max(MAX_PROMPT_CHARS),
  clientId: zString().trim().min(1).max(64),
  configId: ZProviderRef.optional(),
});
export type TSendInput = z.infer<typeof ZSendInput>;
export const ZAssistantRef = z.object({ assistantMessageId: ZId });
const ZLastEventId = zString()
  .regex(/^\d{1,9}$/)
  .nullish();
/**
 * An answer by its id (from `ai.chat.send`), or by the send that starts it: the conversation and
 * the send's clientId, so a client can subscribe while the send is still on its way.
 */
export const ZStreamInput = z.union([
  z.object({ assistantMessageId: ZId, lastEventId: ZLastEventId }),
  z.object({ conversationId: ZId, clientId: ZSendInput.shape.clientId, lastEventId: ZLastEventId }),
]);
export type TStreamInput = z.infer<typeof ZStreamInput>;

export const ZSuggestRepliesInput = z.object({ conversationId: ZId });

export const imageSizes = ['256x256', '512x512', '1024x1024', '1792x1024', '1024x1792'] as const;
export const ZGenerateImageInput = z.object({
  prompt: zText().trim().min(1).max(4000),
  size: z.enum(imageSizes).default('1024x1024'),
  configId: ZProviderRef.optional(),
});

const ZDay = zString().regex(/^\d{4}-\d{2}-\d{2}$/, 'A day as YYYY-MM-DD');
export const ZUsageInput = z.object({ from: ZDay, to: ZDay }).refine((range) => range.from <= range.to, 'from must not be after to');
