import type { TAiConversationRow, TAiMessageRow } from '@chorus/db';
import type { TProviderRef } from '../ai.schema';
import type { AiFailureCode } from '../providers/provider-errors';
import { providerRefOf } from './ownership';

export interface AiConversationView {
  id: number;
  title: string | null;
  configId: TProviderRef | null;
  createdAt: Date;
  lastActivityAt: Date;
}

export interface AiMessageView {
  id: number;
  conversationId: number;
  role: 'user' | 'assistant';
  /** For an answer still streaming: the text so far. */
  content: string;
  status: TAiMessageRow['status'];
  errorCode: AiFailureCode | null;
  replyToId: number | null;
  model: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  finishReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

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
