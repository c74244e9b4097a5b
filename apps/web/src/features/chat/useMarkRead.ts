import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTRPC, useTRPCClient } from '../../app/client';
import { mapConversation } from './listCache';
import { LIST_INPUT } from './types';

function subscribeFocus(listener: () => void) {
  window.addEventListener('focus', listener);
  window.addEventListener('blur', listener);
  document.addEventListener('visibilitychange', listener);
  return () => {
    window.removeEventListener('focus', listener);
    window.removeEventListener('blur', listener);
    document.removeEventListener('visibilitychange', listener);
  };
}

/** Whether the person can be reading the page: the window is focused and shown. */
function useWindowFocused(): boolean {
  return useSyncExternalStore(subscribeFocus, () => document.hasFocus() && document.visibilityState === 'visible');
}

/**
 * Marks the conversation read up to its newest message while that message is on screen (the
 * log is scrolled to the bottom) and the window has focus; the marker never moves back.
 */
export function useMarkRead(conversationId: number, meId: number, newestId: number | null, atEnd: boolean): void {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const focused = useWindowFocused();
  const marked = useRef(0);
  useEffect(() => {
    marked.current = 0;
  }, [conversationId]);
  useEffect(() => {
    if (newestId === null || !atEnd || !focused || newestId <= marked.current) return;
    marked.current = newestId;
    client.chat.markRead
      .mutate({ conversationId, upToMessageId: newestId })
      .then(() => {
        queryClient.setQueryData(trpc.chat.list.infiniteQueryKey(LIST_INPUT), (data) =>
          data ? mapConversation(data, conversationId, (item) => ({ ...item, unreadCount: 0 })) : data,
        );
      })
      .catch(() => {
        // Try again with the next message or focus; a read marker is not worth an error on screen.
        marked.current = 0;
      });
  }, [atEnd, client, conversationId, focused, meId, newestId, queryClient, trpc]);
}
