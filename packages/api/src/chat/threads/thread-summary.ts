import type { TMessageRow } from '@chorus/db';
import type { PublicMessage } from '../../realtime/events';

export const MAX_PARTICIPANTS = 5;

type SummaryColumns = Pick<TMessageRow, 'threadReplyCount' | 'threadLastReplyAt' | 'threadParticipantIds'>;

/** A root's summary as messages carry it; null until its first reply. A deleted root keeps it, so its thread stays reachable. */
export function threadSummaryOf(row: SummaryColumns): PublicMessage['thread'] {
  if (row.threadReplyCount === 0 || !row.threadLastReplyAt) return null;
  return { replyCount: row.threadReplyCount, lastReplyAt: row.threadLastReplyAt, participantIds: row.threadParticipantIds ?? [] };
}

/** The summary after `senderId` replied at `at`: the sender moves to the front of the repliers. */
export function summaryAfterReply(row: SummaryColumns, senderId: number, at: Date): SummaryColumns {
  const others = (row.threadParticipantIds ?? []).filter((id) => id !== senderId);
  return {
    threadReplyCount: row.threadReplyCount + 1,
    threadLastReplyAt: at,
    threadParticipantIds: [senderId, ...others].slice(0, MAX_PARTICIPANTS),
  };
}
