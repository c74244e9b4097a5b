import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { useTRPCClient } from '../../app/client';
import { timelineOptions, updateTimeline, withMessages } from './timeline';
import { HISTORY_PAGE } from './types';

/** A conversation's messages: the newest page first, older pages on demand, live events in between. */
export function useTimeline(conversationId: number) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const fetchPage = useCallback((beforeId?: number) => client.chat.history.query({ conversationId, beforeId, limit: HISTORY_PAGE }), [client, conversationId]);
  const query = useQuery(timelineOptions(conversationId, queryClient, fetchPage, HISTORY_PAGE));
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  // Scroll events come faster than renders: one page at a time.
  const busy = useRef(false);
  const { data } = query;
  const oldestId = data?.messages[0]?.id;
  const hasOlder = data?.hasOlder ?? false;

  const loadOlder = useCallback(async () => {
    if (busy.current || !hasOlder || oldestId === undefined) return;
    busy.current = true;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await fetchPage(oldestId);
      updateTimeline(queryClient, conversationId, (timeline) => ({ ...withMessages(timeline, page), hasOlder: page.length === HISTORY_PAGE }));
    } catch (error) {
      setOlderError(error);
    } finally {
      busy.current = false;
      setLoadingOlder(false);
    }
  }, [conversationId, fetchPage, hasOlder, oldestId, queryClient]);

  return { timeline: data, error: query.error, loadOlder, loadingOlder, olderError };
}
