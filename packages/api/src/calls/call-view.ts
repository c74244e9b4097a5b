import { calls, type TCallRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import type { CallView } from '../realtime/events';

export function toCallView(row: TCallRow): CallView {
  return {
    id: row.id,
    callerId: row.callerId,
    calleeId: row.calleeId,
    media: row.media,
    status: row.status,
    outcome: row.outcome,
    endedBy: row.endedBy,
    createdAt: row.createdAt,
    answeredAt: row.answeredAt,
    endedAt: row.endedAt,
    durationSec: row.answeredAt && row.endedAt ? Math.max(0, row.endedAt.getTime() - row.answeredAt.getTime()) / 1000 : null,
  };
}

export const isParty = (row: TCallRow, userId: number) => row.callerId === userId || row.calleeId === userId;
export const otherParty = (row: TCallRow, userId: number) => (row.callerId === userId ? row.calleeId : row.callerId);

/** The call, if the user is one of its parties; anyone else learns only "not found". */
export async function requireOwnCall(db: DbOrTx, callId: number, userId: number): Promise<TCallRow> {
  const [row] = await db.select().from(calls).where(eq(calls.id, callId)).limit(1);
  if (!row || !isParty(row, userId)) throw new AppError('NOT_FOUND', 'No such call');
  return row;
}

export function wrongState(row: TCallRow): AppError {
  const state = row.status === 'ended' ? `has ended (${row.outcome})` : `is ${row.status}`;
  return new AppError('CALL_STATE', `The call ${state}`, { details: { callId: row.id, status: row.status, outcome: row.outcome } });
}
