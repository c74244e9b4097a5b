import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPCClient } from '../../app/client';
import { useErrorText } from '../../ui/errors';
import { updateTimeline, withMessages, withPending } from './timeline';
import type { PendingMessage } from './types';

export type Draft = Omit<PendingMessage, 'clientId' | 'error'>;

/** A fresh idempotency key (crypto.randomUUID needs a secure context; plain http on a LAN is not one). */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Sending: the message shows at once as pending; the server's answer or its live event (the
 * first to come) replaces it. A retry reuses the clientId, so the server stores it once.
 */
export function useSend(conversationId: number) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const errorText = useErrorText();

  const attempt = useCallback(
    async (entry: PendingMessage) => {
      updateTimeline(queryClient, conversationId, (timeline) => withPending(timeline, entry.clientId, (pending) => ({ ...pending, error: null })));
      try {
        const message = await client.chat.send.mutate({
          conversationId,
          clientId: entry.clientId,
          kind: entry.kind,
          text: entry.text,
          attachment: entry.attachment,
          replyToId: entry.replyToId,
        });
        updateTimeline(queryClient, conversationId, (timeline) => withMessages(timeline, [message]));
      } catch (error) {
        const reason = errorText(error);
        updateTimeline(queryClient, conversationId, (timeline) => withPending(timeline, entry.clientId, (pending) => ({ ...pending, error: reason })));
      }
    },
    [client, conversationId, errorText, queryClient],
  );

  const send = useCallback(
    (draft: Draft) => {
      const entry: PendingMessage = { ...draft, clientId: newClientId(), error: null };
      updateTimeline(queryClient, conversationId, (timeline) => ({ ...timeline, pending: [...timeline.pending, entry] }));
      void attempt(entry);
    },
    [attempt, conversationId, queryClient],
  );

  const discard = useCallback(
    (clientId: string) => updateTimeline(queryClient, conversationId, (timeline) => withPending(timeline, clientId, () => null)),
    [conversationId, queryClient],
  );

  return { send, retry: attempt, discard };
}
