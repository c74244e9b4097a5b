import { closeChorusClient, isChorusError, type RouterOutputs } from '@chorus/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { chorus, useTRPC } from './client';
import { connection } from './connection';
import { navigate } from './router';

export type Me = RouterOutputs['auth']['me'];

/** The signed-in user: `undefined` while loading, `null` when signed out. */
export function useSession(): Me | null | undefined {
  const trpc = useTRPC();
  const me = useQuery({
    ...trpc.auth.me.queryOptions(undefined, { staleTime: Infinity }),
    retry: (count, error) => !isChorusError(error, 'UNAUTHORIZED') && count < 2,
  });
  // First: a refetch that fails keeps the old data, but a session that ended is signed out.
  if (me.error && isChorusError(me.error, 'UNAUTHORIZED')) return null;
  if (me.data) return me.data;
  return me.isPending ? undefined : null;
}

/** After sign-in or sign-up: the cookie is set, so load the user again. */
export function useSignedIn(): () => Promise<void> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
    navigate('/', { replace: true });
  }, [queryClient, trpc]);
}

/** Signs out: the server clears the cookie; the socket (opened with the old cookie) closes. */
export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    try {
      await chorus.auth.logout.mutate();
    } finally {
      await closeChorusClient(chorus);
      connection.reset();
      // Not clear(): the mounted `auth.me` observer would keep the removed query and its user.
      // A reset drops every user's data and asks again, which answers UNAUTHORIZED: sign-in.
      void queryClient.resetQueries();
      navigate('/', { replace: true });
    }
  }, [queryClient]);
}
