import { sharedConversationPeers } from '../chat/membership';
import type { AppDeps } from '../deps';
import { blockedAmong, friendsAmong } from '../friends/blocks';
import type { ChorusEvent, PresenceView } from '../realtime/events';
import { presenceAudience } from './presence-audience';

/** Sends a user's current presence to their audience. */
export async function publishPresence(deps: Pick<AppDeps, 'db' | 'realtime' | 'logger'>, userId: number): Promise<void> {
  try {
    const [audience, [view]] = await Promise.all([presenceAudience(deps, userId), deps.realtime.presence.statusOf([userId])]);
    if (view) await deps.realtime.publishEphemeral(audience, { type: 'presence', presence: view });
  } catch (error) {
    deps.logger.warn({ err: error, userId }, 'could not publish presence');
  }
}

/**
 * Presence of users as the caller may see it: their own, their friends' and that of members of a
 * live direct or group chat they share, unless either blocked the other. Everyone else looks
 * like an unknown id (offline, never seen), so the answer tells a stranger nothing, not even
 * whether the account exists.
 */
export async function getPresence(deps: Pick<AppDeps, 'db' | 'realtime'>, callerId: number, userIds: number[]): Promise<PresenceView[]> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return [];
  const others = unique.filter((id) => id !== callerId);
  const [friends, peers, blocked] = await Promise.all([
    friendsAmong(deps.db, callerId, others),
    sharedConversationPeers(deps.db, callerId, others),
    blockedAmong(deps.db, callerId, others),
  ]);
  const visible = unique.filter((id) => id === callerId || ((friends.has(id) || peers.has(id)) && !blocked.has(id)));
  const views = new Map((await deps.realtime.presence.statusOf(visible)).map((view) => [view.userId, view]));
  return unique.map((userId) => views.get(userId) ?? { userId, status: 'offline', lastSeenAt: null });
}

export async function presenceSnapshot(deps: Pick<AppDeps, 'db' | 'realtime'>, userId: number): Promise<ChorusEvent> {
  const audience = await presenceAudience(deps, userId);
  return { type: 'presence.snapshot', users: await deps.realtime.presence.statusOf(audience) };
}
