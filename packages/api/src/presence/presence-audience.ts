import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';

/** Cap on the users whose presence one change is sent to, and a snapshot holds (per source). */
export const AUDIENCE_CAP = 5000;
/** Conversations larger than this do not push presence changes to their members. */
export const PRESENCE_GROUP_LIMIT = 100;

/**
 * Who sees a user's presence: friends and members of shared small live conversations, minus
 * blocks either way. One statement (every resumed subscription asks for it in its snapshot,
 * so a reconnect storm asks thousands of times at once: one round trip, one result to parse).
 * Dissolved conversations keep their member rows; they share nothing any more. Presence in
 * big groups would cost members² messages on every mass reconnect; there, clients ask
 * presence.get for the members they show. Plain SQL that MySQL 8 runs as well.
 */
export async function presenceAudience(deps: Pick<AppDeps, 'db'>, userId: number): Promise<number[]> {
  const [rows] = await deps.db.execute(sql`
    SELECT a.id FROM (
      (SELECT f.friend_id AS id FROM friendships f WHERE f.user_id = ${userId} LIMIT ${AUDIENCE_CAP})
      UNION
      (SELECT DISTINCT cm.user_id AS id FROM conversation_members cm
        WHERE cm.user_id <> ${userId} AND cm.conversation_id IN (
          SELECT m.conversation_id FROM conversation_members m
          JOIN conversations c ON c.id = m.conversation_id
          WHERE m.user_id = ${userId} AND c.dissolved_at IS NULL
            AND (SELECT COUNT(*) FROM conversation_members n WHERE n.conversation_id = m.conversation_id) <= ${PRESENCE_GROUP_LIMIT})
        LIMIT ${AUDIENCE_CAP})
    ) a
    WHERE a.id NOT IN (SELECT b.blocked_id FROM blocks b WHERE b.blocker_id = ${userId})
      AND a.id NOT IN (SELECT b.blocker_id FROM blocks b WHERE b.blocked_id = ${userId})`);
  return (rows as unknown as Array<{ id: number | string }>).map((row) => Number(row.id));
}
