import type { AppDeps } from '../deps';
import type { DriftView } from '../realtime/events';
import { roomTag } from '../redis-keys';

/** A player within this many seconds of the authoritative position, paused alike, is in sync. */
export const DRIFT_TOLERANCE_SEC = 1;
/** Members' drift is summed up for the room at most this often. */
const SUMMARY_EVERY_MS = 1000;
const SUMMARY_MAX_OUT_OF_SYNC = 200;
const REPORTS_TTL_S = 3600;

// One MULTI touches both: they share the room's tag.
const reportsKey = (roomId: number) => `chorus:${roomTag(roomId)}:drift`;
const summaryLockKey = (roomId: number) => `chorus:${roomTag(roomId)}:drift-due`;

/** Keeps a member's latest report, and schedules the room's drift summary if none is due. */
export async function storeDrift(deps: Pick<AppDeps, 'redis' | 'realtime' | 'clock' | 'logger'>, roomId: number, view: DriftView): Promise<void> {
  const key = reportsKey(roomId);
  const [, , [, due] = []] =
    (await deps.redis
      .multi()
      .hset(key, String(view.userId), JSON.stringify({ ...view, reportedAt: view.reportedAt.getTime() }))
      .expire(key, REPORTS_TTL_S)
      .set(summaryLockKey(roomId), '1', 'PX', SUMMARY_EVERY_MS, 'NX')
      .exec()) ?? [];
  // Whichever instance set the key sends the summary when the period ends: one per room and second.
  if (due === 'OK') setTimeout(() => void publishDriftSummary(deps, roomId), SUMMARY_EVERY_MS).unref();
}

/** Members' latest reports, optionally limited to some members. */
export async function readDrift(deps: Pick<AppDeps, 'redis'>, roomId: number, memberIds?: Set<number>): Promise<DriftView[]> {
  const entries = await deps.redis.hgetall(reportsKey(roomId));
  const views: DriftView[] = [];
  for (const raw of Object.values(entries)) {
    const parsed = JSON.parse(raw) as Omit<DriftView, 'reportedAt'> & { reportedAt: number };
    if (memberIds && !memberIds.has(parsed.userId)) continue;
    views.push({ ...parsed, reportedAt: new Date(parsed.reportedAt) });
  }
  return views.sort((a, b) => a.userId - b.userId);
}

/** Forgets reports: of some members (they left), or all (playback changed, so all are stale). */
export async function clearDrift(deps: Pick<AppDeps, 'redis' | 'logger'>, roomId: number, userIds: number[] | null): Promise<void> {
  try {
    if (userIds === null) await deps.redis.del(reportsKey(roomId));
    else if (userIds.length > 0) await deps.redis.hdel(reportsKey(roomId), ...userIds.map(String));
  } catch (error) {
    deps.logger.warn({ err: error, roomId }, 'could not clear drift reports');
  }
}

async function publishDriftSummary(deps: Pick<AppDeps, 'redis' | 'realtime' | 'clock' | 'logger'>, roomId: number): Promise<void> {
  try {
    const views = await readDrift(deps, roomId);
    const outOfSync = views.filter((view) => !view.inSync);
    await deps.realtime.rooms.publishEphemeral(roomId, {
      type: 'playback.drift',
      outOfSync: outOfSync.slice(0, SUMMARY_MAX_OUT_OF_SYNC),
      inSyncCount: views.length - outOfSync.length,
      at: deps.clock.now(),
    });
  } catch (error) {
    deps.logger.warn({ err: error, roomId }, 'could not publish the drift summary');
  }
}
