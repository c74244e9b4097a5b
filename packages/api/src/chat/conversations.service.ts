import { blockBetween, blocks, conversationMembers, conversations, users } from '@chorus/db';
import { and, eq, inArray, isNotNull, isNull, or } from 'drizzle-orm';
import { duplicateKeyOf } from '../db-errors';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { hasBlocked } from '../friends/blocks';
import type { StoredConversationEvent } from '../realtime/stored-event';
import type { TCreateGroupInput } from './chat.schema';
import { appendConversationEvent } from './conversation-log';
import { MAX_GROUP_MEMBERS } from './chat.schema';

/** The one direct conversation of a pair, created on first use. */
export async function openDirect(deps: AppDeps, userId: number, peerId: number): Promise<{ conversationId: number; created: boolean }> {
  if (peerId === userId) throw new AppError('BAD_INPUT', 'You cannot open a conversation with yourself');
  await assertReachable(deps.db, [peerId]);
  if (await hasBlocked(deps.db, peerId, userId)) throw new AppError('FORBIDDEN', 'This user does not accept your messages');
  if (await hasBlocked(deps.db, userId, peerId)) throw new AppError('FORBIDDEN', 'Unblock this user to message them');
  const directKey = [userId, peerId].sort((a, b) => a - b).join(':');
  const existing = await findDirect(deps.db, directKey);
  if (existing) return { conversationId: existing, created: false };
  const now = deps.clock.now();
  let event: StoredConversationEvent;
  try {
    event = await deps.db.transaction(async (tx) => {
      const [result] = await tx.insert(conversations).values({ kind: 'direct', directKey, lastActivityAt: now, createdAt: now });
      const id = result.insertId;
      await tx
        .insert(conversationMembers)
        .values([userId, peerId].map((memberId) => ({ conversationId: id, userId: memberId, role: 'member' as const, joinedAt: now })));
      const summary = { id, kind: 'direct' as const, name: null, avatarUrl: null };
      return appendConversationEvent(
        tx,
        now,
        id,
        { type: 'conversation.created', conversation: summary, memberIds: [userId, peerId] },
        { add: [userId, peerId] },
      );
    });
  } catch (error) {
    // Both opened it at once: the unique key kept one; use it.
    if (duplicateKeyOf(error) !== 'conversations_direct_uq') throw error;
    const id = await findDirect(deps.db, directKey);
    if (!id) throw error;
    return { conversationId: id, created: false };
  }
  await deps.realtime.publishConversationEvent(event);
  return { conversationId: event.conversationId, created: true };
}

export async function createGroup(deps: AppDeps, ownerId: number, input: TCreateGroupInput): Promise<{ conversationId: number }> {
  const memberIds = [...new Set(input.memberIds.filter((id) => id !== ownerId))];
  if (memberIds.length + 1 > MAX_GROUP_MEMBERS) throw new AppError('BAD_INPUT', `Groups have at most ${MAX_GROUP_MEMBERS} members`);
  await assertCanAdd(deps.db, ownerId, memberIds);
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    const [result] = await tx
      .insert(conversations)
      .values({ kind: 'group', name: input.name, avatarUrl: input.avatarUrl ?? null, lastActivityAt: now, createdAt: now });
    const id = result.insertId;
    await tx
      .insert(conversationMembers)
      .values([
        { conversationId: id, userId: ownerId, role: 'owner' as const, joinedAt: now },
        ...memberIds.map((userId) => ({ conversationId: id, userId, role: 'member' as const, joinedAt: now })),
      ]);
    const all = [ownerId, ...memberIds];
    const summary = { id, kind: 'group' as const, name: input.name, avatarUrl: input.avatarUrl ?? null };
    return appendConversationEvent(tx, now, id, { type: 'conversation.created', conversation: summary, memberIds: all }, { add: all });
  });
  await deps.realtime.publishConversationEvent(event);
  return { conversationId: event.conversationId };
}

/** Users who exist and can be talked to (verified or guests, not banned). */
export async function assertReachable(db: DbOrTx, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, userIds), isNull(users.bannedAt), or(isNotNull(users.emailVerifiedAt), eq(users.isGuest, true))));
  if (rows.length !== new Set(userIds).size) throw new AppError('NOT_FOUND', 'No such user');
}

/** New group members must exist and must not have blocked the one adding them. */
export async function assertCanAdd(db: DbOrTx, adderId: number, userIds: number[]): Promise<void> {
  await assertReachable(db, userIds);
  if (userIds.length === 0) return;
  const [blocked] = await db.select({ blockerId: blocks.blockerId }).from(blocks).where(blockBetween(adderId, userIds)).limit(1);
  if (blocked) throw new AppError('FORBIDDEN', 'You cannot add this user');
}

async function findDirect(db: DbOrTx, directKey: string): Promise<number | null> {
  const [row] = await db.select({ id: conversations.id }).from(conversations).where(eq(conversations.directKey, directKey)).limit(1);
  return row?.id ?? null;
}
