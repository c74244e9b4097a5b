import { blocks, conversationMembers, friendships } from '@chorus/db';
import { and, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { ChorusEvent, PresenceView } from '../realtime/events';

/** Cap on the users whose presence one change is sent to, and a snapshot holds. */
const AUDIENCE_CAP = 5000;
/** Conversations larger than this do not push presence changes to their members. */
export const PRESENCE_GROUP_LIMIT = 100;

/** Who sees a user's presence: friends and members of shared small conversations, minus blocks. */
export async function presenceAudience(deps: Pick<AppDeps, 'db'>, userId: number): Promise<number[]> {
  const friends = await deps.db.select({ id: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId)).limit(AUDIENCE_CAP);
  const mine = deps.db.select({ id: conversationMembers.conversationId }).from(conversationMembers).where(eq(conversationMembers.userId, userId));
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

/** Presence of users, except that those who blocked the caller (or whom they blocked) look offline. */
export async function getPresence(deps: Pick<AppDeps, 'db' | 'realtime'>, callerId: number, userIds: number[]): Promise<PresenceView[]> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return [];
  const blocked = await deps.db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(and(eq(blocks.blockerId, callerId), inArray(blocks.blockedId, unique)), and(inArray(blocks.blockerId, unique), eq(blocks.blockedId, callerId))));
  const hidden = new Set(blocked.map((row) => (row.blockerId === callerId ? row.blockedId : row.blockerId)));
  const views = await deps.realtime.presence.statusOf(unique);
  return views.map((view) => (hidden.has(view.userId) ? { userId: view.userId, status: 'offline', lastSeenAt: null } : view));
}

export async function presenceSnapshot(deps: Pick<AppDeps, 'db' | 'realtime'>, userId: number): Promise<ChorusEvent> {
  const audience = await presenceAudience(deps, userId);
  return { type: 'presence.snapshot', users: await deps.realtime.presence.statusOf(audience) };
}
