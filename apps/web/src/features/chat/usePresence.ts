import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';

export type PresenceStatus = 'online' | 'away' | 'offline';

/** Presence of the given users, kept current by `presence` events (see useChatEvents). */
export function usePresence(userIds: number[]): ReadonlyMap<number, PresenceStatus> {
  const trpc = useTRPC();
  const sorted = [...new Set(userIds)].sort((a, b) => a - b).slice(0, 500);
  const presence = useQuery({ ...trpc.presence.get.queryOptions({ userIds: sorted }), enabled: sorted.length > 0 });
  return new Map((presence.data ?? []).map((entry) => [entry.userId, entry.status]));
}
