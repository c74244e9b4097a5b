import type { RouterOutputs } from '@chorus/client';

export type Message = RouterOutputs['chat']['send'];
export type Summary = RouterOutputs['chat']['list']['items'][number];
export type Detail = RouterOutputs['chat']['get'];
export type Member = Detail['members'][number];
export type PublicUser = Member['user'];

/** A message typed here that the server has not confirmed yet (or refused: then `error` says why). */
export interface PendingMessage {
  clientId: string;
  kind: 'text' | 'image' | 'file';
  text?: string;
  replyToId?: number;
  attachment?: { fileId: string };
  /** The picked file's name, shown until the server's message replaces this one. */
  fileName?: string;
  error: string | null;
}

/** A conversation's loaded messages, oldest first, plus what is still on its way out. */
export interface Timeline {
  messages: Message[];
  /** Whether older messages exist beyond the oldest loaded one. */
  hasOlder: boolean;
  pending: PendingMessage[];
}

/** A row of the message log: a confirmed message or one still being sent. */
export type Row = { type: 'message'; message: Message } | { type: 'pending'; pending: PendingMessage };

export const HISTORY_PAGE = 50;
export const LIST_INPUT = { limit: 30 } as const;
export const QUICK_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const;

/** How a conversation is called: its name for groups, the other person's for direct chats. */
export function conversationName(conversation: Pick<Summary, 'kind' | 'name' | 'peer'>, fallback: string): string {
  if (conversation.kind === 'direct') return conversation.peer?.displayName ?? fallback;
  return conversation.name ?? fallback;
}
