import { aiMessageRoles, aiMessageStatuses } from '@chorus/db';
import { z } from 'zod';
import { ZAiParams, ZProviderRef } from './ai.schema';

/** Output shapes: what leaves the server is exactly this (a sealed key cannot slip out with a row). */
/** What a user sees of a provider: never the key, only its last four characters. */
export const ZAiConfigView = z.object({
  id: ZProviderRef,
  kind: z.enum(['user', 'system']),
  label: z.string(),
  /** Null for system providers: where the operator's provider lives is not the user's business. */
  baseUrl: z.string().nullable(),
  model: z.string(),
  apiKeyLast4: z.string().nullable(),
  params: ZAiParams,
  isDefault: z.boolean(),
  createdAt: z.date().nullable(),
  updatedAt: z.date().nullable(),
});

export const ZConfigTestResult = z.object({
  result: z.enum(['ok', 'bad_key', 'unreachable', 'model_not_found', 'rate_limited', 'upstream_error']),
  latencyMs: z.number(),
});

export const ZAiConversationView = z.object({
  id: z.number(),
  title: z.string().nullable(),
  configId: ZProviderRef.nullable(),
  createdAt: z.date(),
  lastActivityAt: z.date(),
});

/** How a provider call failed, as clients see it. Never carries the provider's body. */
export const ZAiFailureCode = z.enum(['provider_auth', 'model_not_found', 'rate_limited', 'timeout', 'unreachable', 'upstream', 'interrupted']);

export const ZAiMessageView = z.object({
  id: z.number(),
  conversationId: z.number(),
  role: z.enum(aiMessageRoles),
  /** For an answer still streaming: the text so far. */
  content: z.string(),
  status: z.enum(aiMessageStatuses),
  errorCode: ZAiFailureCode.nullable(),
  replyToId: z.number().nullable(),
  model: z.string().nullable(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }).nullable(),
  finishReason: z.string().nullable(),
  createdAt: z.date(),
  completedAt: z.date().nullable(),
});

export const ZAiImageView = z.object({ id: z.number(), url: z.string(), mimeType: z.string(), size: z.string(), createdAt: z.date() });

const ZUsageFigures = { requests: z.number(), promptTokens: z.number(), completionTokens: z.number() };
export const ZUsageReport = z.object({ days: z.array(z.object({ day: z.string(), ...ZUsageFigures })), totals: z.object(ZUsageFigures) });
