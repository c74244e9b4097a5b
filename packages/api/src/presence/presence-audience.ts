import { sql, type SQL } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { TurnBatch } from '../turn-batch';

/** Cap on the users whose presence one change is sent to, and a snapshot holds (per source). */
export const AUDIENCE_CAP = 5000;
/** Conversations larger than this do not push presence changes to their members. */
export const PRESENCE_GROUP_LIMIT = 100;

/** One user's audience as a SELECT of (owner, id): alone, or as a branch of a batch's UNION ALL. */
function audienceOf(userId: number): SQL {
  return sql`
    SELECT ${userId} AS owner, a.id FROM (
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
      AND a.id NOT IN (SELECT b.blocker_id FROM blocks b WHERE b.blocked_id = ${userId})`;
}

/** Users whose audiences one statement reads at most. */
const BATCH_USERS = 100;

/** The audiences of `userIds` (each in the order its own statement gives), in as few statements as BATCH_USERS allows. */
export async function presenceAudiences(deps: Pick<AppDeps, 'db'>, userIds: number[]): Promise<number[][]> {
  const unique = [...new Set(userIds)];
  const byOwner = new Map<number, number[]>(unique.map((userId) => [userId, []]));
  for (let from = 0; from < unique.length; from += BATCH_USERS) {
    const part = unique.slice(from, from + BATCH_USERS);
    const statement =
      part.length === 1
        ? audienceOf(part[0]!)
        : sql.join(
            part.map((userId) => sql`(${audienceOf(userId)})`),
            sql` UNION ALL `,
          );
    const [rows] = await deps.db.execute(statement);
    for (const row of rows as unknown as Array<{ owner: number | string; id: number | string }>) byOwner.get(Number(row.owner))!.push(Number(row.id));
  }
  return userIds.map((userId) => byOwner.get(userId)!);
}

const batches = new WeakMap<object, TurnBatch<number, number[]>>();

/**
 * Who sees a user's presence: friends and members of shared small live conversations, minus
 * blocks either way. One statement (every resumed subscription asks for it in its snapshot,
 * so a reconnect storm asks thousands of times at once: one round trip, one result to parse),
 * and one for all the users asked in the same event-loop turn (a UNION ALL of each user's
 * statement), so a storm's snapshots share their statements.
 * Dissolved conversations keep their member rows; they share nothing any more. Presence in
 * big groups would cost members² messages on every mass reconnect; there, clients ask
 * presence.get for the members they show. Plain SQL that MySQL 8 runs as well.
 */
export function presenceAudience(deps: Pick<AppDeps, 'db'>, userId: number): Promise<number[]> {
  let batch = batches.get(deps.db);
  if (!batch) batches.set(deps.db, (batch = new TurnBatch((userIds) => presenceAudiences(deps, userIds))));
  return batch.add(userId);
}
