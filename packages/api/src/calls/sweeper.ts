import { calls, type TCallRow } from '@chorus/db';
import { asc, inArray } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { missedCallNotice, transition } from './call-transitions';

type SweepDeps = Pick<AppDeps, 'db' | 'redis' | 'clock' | 'realtime' | 'logger' | 'calls' | 'metrics'>;

/** Live calls looked at per sweep; more wait for the next one (ringing ones come first: they time out). */
const BATCH = 1000;

export interface CallSweepResult {
  missed: number;
  dropped: number;
}

/**
 * Ends calls by time, on whichever instance runs it: no in-memory timer is the source of
 * truth, so timeouts survive restarts and work across instances. Every end is a conditional
 * update, so a sweep racing a user's action (or another sweep) ends a call at most once.
 *
 * - Ringing for `ringTimeoutMs` → `missed`, with a missed-call notification for the callee.
 * - A party with no live event subscription (on any instance, as presence counts them) for
 *   `dropGraceMs` → `dropped`: either party of an active call, or the caller of a ringing one
 *   (an offline callee may still come online and answer). Absence counts from the later of
 *   the party's last-seen time and the call's start (or answer), so a party who was never
 *   connected gets the full grace too.
 */
export async function sweepCalls(deps: SweepDeps): Promise<CallSweepResult> {
  const { ringTimeoutMs, dropGraceMs } = deps.calls.settings;
  const now = deps.clock.now();
  const live = await deps.db
    .select()
    .from(calls)
    .where(inArray(calls.status, ['ringing', 'active']))
    .orderBy(asc(calls.status), asc(calls.createdAt))
    .limit(BATCH);
  const result: CallSweepResult = { missed: 0, dropped: 0 };
  const watched: Array<{ row: TCallRow; userIds: number[] }> = [];
  for (const row of live) {
    if (row.status === 'ringing' && now.getTime() - row.createdAt.getTime() >= ringTimeoutMs) {
      const ended = await transition(deps, row.id, 'ringing', { status: 'ended', outcome: 'missed', endedBy: null, endedAt: now }, (current) => [
        missedCallNotice(current),
      ]);
      if (ended) result.missed++;
    } else {
      watched.push({ row, userIds: row.status === 'active' ? [row.callerId, row.calleeId] : [row.callerId] });
    }
  }
  if (watched.length === 0) return result;
  const presence = new Map((await deps.realtime.presence.statusOf([...new Set(watched.flatMap((entry) => entry.userIds))])).map((view) => [view.userId, view]));
  for (const { row, userIds } of watched) {
    const since = (row.answeredAt ?? row.createdAt).getTime();
    const gone = userIds.find((userId) => {
      const view = presence.get(userId);
      if (!view || view.status !== 'offline') return false;
      return now.getTime() - Math.max(since, view.lastSeenAt?.getTime() ?? 0) >= dropGraceMs;
    });
    if (gone === undefined) continue;
    const ended = await transition(deps, row.id, row.status as 'ringing' | 'active', { status: 'ended', outcome: 'dropped', endedBy: gone, endedAt: now });
    if (ended) result.dropped++;
  }
  return result;
}

/**
 * Sweeps every `sweepEveryMs` from each instance; a Redis key per period (SET NX) lets one
 * instance do the work, so N instances cost one sweep, and a dead instance's turn passes to
 * another in the next period.
 */
export async function sweepCallsIfDue(deps: SweepDeps): Promise<CallSweepResult | null> {
  const everyMs = deps.calls.settings.sweepEveryMs;
  const period = Math.floor(deps.clock.now().getTime() / everyMs);
  const claimed = await deps.redis.set(`chorus:{job}:calls-sweep:${period}`, '1', 'PX', everyMs * 2, 'NX');
  if (claimed !== 'OK') return null;
  return sweepCalls(deps);
}

export function startCallSweeper(deps: SweepDeps): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = sweepCallsIfDue(deps)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'call sweep failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, deps.calls.settings.sweepEveryMs).unref();
  tick();
  return {
    /** Stops ticking and lets a sweep in progress finish (bounded: Redis or the database may be gone). */
    async stop() {
      clearInterval(timer);
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((resolve) => (bound = setTimeout(resolve, 5000)))]);
      clearTimeout(bound);
    },
  };
}
