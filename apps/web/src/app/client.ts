import { createChorusClient, isChorusError, SESSION_ENDED_CLOSE_CODE, type AppRouter } from '@chorus/client';
import { QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { connection } from './connection';

/**
 * The one client of the app. Same origin as the server that serves the app, so the HttpOnly
 * session cookie goes with every HTTP call and the WebSocket handshake: no token in JavaScript.
 */
export const chorus = createChorusClient({
  url: window.location.origin,
  onSocketOpen: () => connection.opened(),
  // A socket closed because its session ended is no drop to recover from: no banner.
  onSocketClose: (cause) => (cause?.code === SESSION_ENDED_CLOSE_CODE ? connection.reset() : connection.closed()),
});

const meKey = [['auth', 'me']];

export const queryClient: QueryClient = new QueryClient({
  // A session ended elsewhere (signed out, revoked, banned): ask who we are, which shows sign-in.
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (isChorusError(error, 'UNAUTHORIZED') && JSON.stringify(query.queryKey[0]) !== JSON.stringify(meKey[0])) {
        void queryClient.invalidateQueries({ queryKey: meKey });
      }
    },
  }),
  defaultOptions: {
    queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 },
  },
});

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
