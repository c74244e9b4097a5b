import { rooms, type TRoomPinPolicy } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import { isBlockedBetween } from '../../friends/blocks';
import { peerOf, type Membership } from '../membership';

/**
 * Whether a member may pin and unpin in their conversation, by its kind: both parties of a
 * direct chat (unless either blocked the other: a pin reaches the other party like a message
 * does); the owner and admins of a group; in a room, whoever the room's `pinPolicy` names
 * (the owner always). Refusals are `FORBIDDEN`: the caller is a member and may know why.
 */
export async function requirePinRights(db: DbOrTx, membership: Membership, userId: number): Promise<void> {
  const { conversation, role } = membership;
  if (conversation.kind === 'direct') {
    const peer = peerOf(conversation, userId);
    if (peer !== null && (await isBlockedBetween(db, userId, peer))) throw new AppError('FORBIDDEN', 'You cannot pin in this conversation');
    return;
  }
  if (conversation.kind === 'group') {
    if (role === 'member') throw new AppError('FORBIDDEN', 'Only the owner and admins can pin in this group');
    return;
  }
  const [room] = await db.select({ pinPolicy: rooms.pinPolicy }).from(rooms).where(eq(rooms.id, conversation.id));
  if (!allowedByPolicy(room?.pinPolicy ?? 'owner', role)) throw new AppError('FORBIDDEN', 'The room’s settings do not let you pin');
}

function allowedByPolicy(policy: TRoomPinPolicy, role: Membership['role']): boolean {
  if (role === 'owner') return true;
  if (policy === 'everyone') return true;
  return policy === 'admins' && role === 'admin';
}
