import type { TAiConversationRow, TAiMessageRow } from '@chorus/db';
import type { z } from 'zod';
import type { ZAiConversationView, ZAiMessageView } from '../ai.outputs';
import type { AiFailureCode } from '../providers/provider-errors';
import { providerRefOf } from './ownership';

export type AiConversationView = z.infer<typeof ZAiConversationView>;
export type AiMessageView = z.infer<typeof ZAiMessageView>;

export function toConversationView(row: TAiConversationRow): AiConversationView {
  return { id: row.id, title: row.title, configId: providerRefOf(row), createdAt: row.createdAt, lastActivityAt: row.lastActivityAt };
}

export function toMessageView(row: TAiMessageRow, content = row.content): AiMessageView {
  return {
    id: row.id,
    conversationId: row.conversationId,
    role: row.role,
    content,
    status: row.status,
    errorCode: row.errorCode as AiFailureCode | null,
    replyToId: row.replyToId,
    model: row.model,
    usage: row.promptTokens === null || row.completionTokens === null ? null : { promptTokens: row.promptTokens, completionTokens: row.completionTokens },
    finishReason: row.finishReason,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
  };
}
