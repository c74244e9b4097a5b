import type { TFriendRequestRow } from '@chorus/db';
import type { AppDeps } from '../deps';
import type { UserEvent } from '../realtime/events';
import type { TFriendRequest } from './friends.schema';

export type FriendsDeps = Pick<AppDeps, 'db' | 'redis' | 'logger' | 'clock' | 'realtime' | 'metrics'>;

export function toFriendRequest(row: TFriendRequestRow): TFriendRequest {
  return {
    id: row.id,
    fromUserId: row.fromUserId,
    toUserId: row.toUserId,
    message: row.message,
    status: row.status,
    createdAt: row.createdAt,
    respondedAt: row.respondedAt,
  };
}

/**
 * Publishes to users' event streams; call after commit. The change is committed by then, so
 * a failed publish is logged rather than failing the call (a retry would not republish, and
 * clients reload by queries on resync).
 */
export async function notify(deps: Pick<FriendsDeps, 'realtime' | 'logger'>, userIds: number[], dedupeKey: string, event: UserEvent): Promise<void> {
  try {
    await deps.realtime.publishToUsers(userIds, dedupeKey, event);
  } catch (error) {
    deps.logger.error({ err: error, dedupeKey, userIds }, 'friends: publishing an event failed');
  }
}
