import type { PresenceView } from '@chorus/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';

/**
 * Keeps the friends screen live: any friend event reloads the lists (they are small, and a
 * reload cannot disagree with the server), presence events patch the cached `presence.get`
 * answers in place.
 */
export function useFriendsLive(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const patchPresence = (updates: PresenceView[]) => {
    const byUser = new Map(updates.map((presence) => [presence.userId, presence]));
    queryClient.setQueriesData<PresenceView[]>(trpc.presence.get.queryFilter(), (list) => list?.map((presence) => byUser.get(presence.userId) ?? presence));
  };
  useChorusEvents((event) => {
    switch (event.type) {
      case 'friend.request':
      case 'friend.responded':
      case 'friend.cancelled':
      case 'friend.removed':
      case 'friend.blocked':
        void queryClient.invalidateQueries(trpc.friends.pathFilter());
        return;
      case 'presence':
        patchPresence([event.presence]);
        return;
      case 'presence.snapshot':
        patchPresence(event.users);
        return;
      default:
        return;
    }
  });
}

/** The presence of the given users, kept current by `useFriendsLive`. */
export function usePresence(userIds: number[]): Map<number, PresenceView> {
  const trpc = useTRPC();
  // Sorted so the same people in another order share one cache entry.
  const ids = [...userIds].sort((a, b) => a - b);
  const presence = useQuery({ ...trpc.presence.get.queryOptions({ userIds: ids }), enabled: ids.length > 0, staleTime: 60_000 });
  return new Map((presence.data ?? []).map((entry) => [entry.userId, entry]));
}
