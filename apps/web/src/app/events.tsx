import { isChorusError, type ChorusEvent } from '@chorus/client';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, type ReactNode } from 'react';
import { chorus, useTRPC } from './client';

type Handler = (event: ChorusEvent) => void;
const handlers = new Set<Handler>();

/**
 * Calls `handler` with every live event of the signed-in user. Features keep their own query
 * caches up to date with it; the handler may change between renders.
 */
export function useChorusEvents(handler: Handler): void {
  const onEvent = useEffectEvent(handler);
  useEffect(() => {
    const forward: Handler = (event) => onEvent(event);
    handlers.add(forward);
    return () => {
      handlers.delete(forward);
    };
  }, []);
}

/**
 * One `events.subscribe` for the whole app while signed in. After a dropped socket the client
 * resubscribes with the last event id it saw, so missed events arrive once, in order; past the
 * server's retention it says `resync` and every query reloads.
 */
export function EventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  useEffect(() => {
    const subscription = chorus.events.subscribe.subscribe(undefined, {
      onData: ({ data }) => {
        if (data.type === 'resync') void queryClient.invalidateQueries();
        for (const handler of handlers) handler(data);
      },
      onError: (error) => {
        // The session ended (signed out elsewhere, revoked, banned): asking who we are shows sign-in.
        if (isChorusError(error, 'UNAUTHORIZED')) void queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
        else console.warn('events stream ended', error);
      },
    });
    return () => subscription.unsubscribe();
  }, [queryClient, trpc]);
  return <>{children}</>;
}
