import { blocks, conversationMembers, conversations, friendships } from '@chorus/db';
import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { sharedConversationPeers } from '../chat/membership';
import type { AppDeps } from '../deps';
import { blockedAmong, friendsAmong } from '../friends/blocks';
import type { ChorusEvent, PresenceView } from '../realtime/events';

/** Cap on the users whose presence one change is sent to, and a snapshot holds. */
const AUDIENCE_CAP = 5000;
/** Conversations larger than this do not push presence changes to their members. */
export const PRESENCE_GROUP_LIMIT = 100;

/** Who sees a user's presence: friends and members of shared small live conversations, minus blocks. */
export async function presenceAudience(deps: Pick<AppDeps, 'db'>, userId: number): Promise<number[]> {
  const friends = await deps.db.select({ id: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId)).limit(AUDIENCE_CAP);
  // Dissolved conversations keep their member rows; they share nothing any more.
  const mine = deps.db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(and(eq(conversationMembers.userId, userId), isNull(conversations.dissolvedAt)));
  // Presence in big groups would cost members² messages on every mass reconnect; there,
  // clients ask presence.get for the members they show.
  const small = deps.db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .where(inArray(conversationMembers.conversationId, mine))
    .groupBy(conversationMembers.conversationId)
    .having(sql`count(*) <= ${PRESENCE_GROUP_LIMIT}`);
  const coMembers = await deps.db
    .selectDistinct({ id: conversationMembers.userId })
    .from(conversationMembers)
    .where(and(inArray(conversationMembers.conversationId, small), ne(conversationMembers.userId, userId)))
    .limit(AUDIENCE_CAP);
  const audience = new Set([...friends, ...coMembers].map((row) => row.id));
  if (audience.size === 0) return [];
  const blocked = await deps.db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId)));
  for (const row of blocked) audience.delete(row.blockerId === userId ? row.blockedId : row.blockerId);
  return [...audience];
}

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
