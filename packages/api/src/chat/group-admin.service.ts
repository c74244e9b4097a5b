import { prepareAvatar } from '../files/avatars';
import { conversationMembers, conversations, type TMemberRole } from '@chorus/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import type { StoredConversationEvent } from '../realtime/stored-event';
import type { TUpdateConversationInput } from './chat.schema';
import { MAX_GROUP_MEMBERS } from './chat.schema';
import { appendConversationEvent } from './conversation-log';
import { lockConversation } from './conversation-lock';
import { assertCanAdd } from './conversations.service';
import { memberIdsOf, requireGroupManager, requireGroupOwner, requireMember } from './membership';

// Lock order: a transaction that changes existing member rows locks them before the conversation
// row (its seq), as markRead does; addMembers locks the conversation first, but only inserts rows
// of users who are not members, which no other transaction holds. Roles are checked before a
// transaction (for a quick answer) and again in it, under the member rows' locks (`lockRoles`):
// a role changed meanwhile by another call decides.

const forbiddenRemoval = () => new AppError('FORBIDDEN', 'You cannot remove this member');

/** Owners remove anyone but themselves; admins remove plain members. */
function mayRemove(actor: TMemberRole | undefined, target: TMemberRole | undefined): boolean {
  return actor === 'owner' ? target !== 'owner' : actor === 'admin' && target === 'member';
}

/** The roles of those of `userIds` who are members, their rows locked until the transaction ends. */
async function lockRoles(tx: DbOrTx, conversationId: number, userIds: number[]): Promise<Map<number, TMemberRole>> {
  const rows = await tx
    .select({ userId: conversationMembers.userId, role: conversationMembers.role })
    .from(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, conversationId), inArray(conversationMembers.userId, userIds)))
    .for('update');
  return new Map(rows.map((row) => [row.userId, row.role]));
}

/**
 * Adds those of `userIds` who are not members yet and answers them (none: `added: []`, no event).
 * Who is new and the member cap are decided under the conversation's lock, so two adds at once
 * (a double submit, two admins) neither pass the cap together nor both log the same users.
 */
export async function addMembers(deps: AppDeps, actorId: number, conversationId: number, userIds: number[]) {
  await requireGroupManager(deps.db, conversationId, actorId);
  const now = deps.clock.now();
  const { added, event } = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, conversationId);
    const current = new Set(await memberIdsOf(tx, conversationId));
    const added = [...new Set(userIds)].filter((id) => !current.has(id));
    if (added.length === 0) return { added, event: null };
    if (current.size + added.length > MAX_GROUP_MEMBERS) throw new AppError('BAD_INPUT', `Groups have at most ${MAX_GROUP_MEMBERS} members`);
    await assertCanAdd(tx, actorId, added);
    await tx.insert(conversationMembers).values(added.map((userId) => ({ conversationId, userId, role: 'member' as const, joinedAt: now })));
    const stored = await appendConversationEvent(tx, now, conversationId, { type: 'member.added', userIds: added, by: actorId }, { add: added });
    return { added, event: stored };
  });
  if (event) await deps.realtime.publishConversationEvent(event);
  return { added };
}

export async function removeMember(deps: AppDeps, actorId: number, conversationId: number, userId: number) {
  if (userId === actorId) throw new AppError('BAD_INPUT', 'Use chat.leave to leave');
  const actor = await requireGroupManager(deps.db, conversationId, actorId);
  const target = await requireMember(deps.db, conversationId, userId).catch(() => {
    throw new AppError('NOT_FOUND', 'This user is not a member');
  });
  if (!mayRemove(actor.role, target.role)) throw forbiddenRemoval();
  await dropMember(deps, conversationId, userId, actorId, 'removed', (roles) => {
    if (!mayRemove(roles.get(actorId), roles.get(userId))) throw forbiddenRemoval();
  });
  return { ok: true as const };
}

/** Leaving; an owner must transfer ownership or dissolve first. */
export async function leave(deps: AppDeps, userId: number, conversationId: number) {
  const membership = await requireMember(deps.db, conversationId, userId);
  if (membership.conversation.kind !== 'group') throw new AppError('BAD_INPUT', 'Only groups are left with chat.leave (rooms: rooms.leave)');
  if (membership.role === 'owner') throw new AppError('FORBIDDEN', 'Transfer ownership or dissolve the group first');
  await dropMember(deps, conversationId, userId, userId, 'left', (roles) => {
    if (roles.get(userId) === 'owner') throw new AppError('FORBIDDEN', 'Transfer ownership or dissolve the group first');
  });
  return { ok: true as const };
}

export async function setRole(deps: AppDeps, actorId: number, conversationId: number, userId: number, role: 'admin' | 'member') {
  await requireGroupOwner(deps.db, conversationId, actorId);
  if (userId === actorId) throw new AppError('BAD_INPUT', 'Transfer ownership to change your own role');
  await requireMember(deps.db, conversationId, userId).catch(() => {
    throw new AppError('NOT_FOUND', 'This user is not a member');
  });
  await changeRoles(deps, conversationId, actorId, [[userId, role]]);
  return { ok: true as const };
}

/** The new owner must be a member; the old owner becomes an admin. */
export async function transferOwnership(deps: AppDeps, actorId: number, conversationId: number, userId: number) {
  await requireGroupOwner(deps.db, conversationId, actorId);
  if (userId === actorId) throw new AppError('BAD_INPUT', 'You already own this group');
  await requireMember(deps.db, conversationId, userId).catch(() => {
    throw new AppError('NOT_FOUND', 'This user is not a member');
  });
  await changeRoles(deps, conversationId, actorId, [
    [userId, 'owner'],
    [actorId, 'admin'],
  ]);
  return { ok: true as const };
}

export async function updateConversation(deps: AppDeps, actorId: number, input: TUpdateConversationInput) {
  const membership = await requireGroupManager(deps.db, input.conversationId, actorId);
  const avatarUrl = input.avatarFileId !== undefined ? await prepareAvatar(deps, actorId, input.avatarFileId) : input.avatarUrl;
  const now = deps.clock.now();
  const changes = { ...(input.name !== undefined ? { name: input.name } : {}), ...(avatarUrl !== undefined ? { avatarUrl } : {}) };
  const summary = {
    id: input.conversationId,
    kind: 'group' as const,
    name: membership.conversation.name,
    avatarUrl: membership.conversation.avatarUrl,
    ...changes,
  };
  const event = await deps.db.transaction(async (tx) => {
    const stored = await appendConversationEvent(tx, now, input.conversationId, { type: 'conversation.updated', conversation: summary });
    await tx.update(conversations).set(changes).where(eq(conversations.id, input.conversationId));
    return stored;
  });
  await deps.realtime.publishConversationEvent(event);
  return summary;
}

/** Ends the group for everyone: members are told and lose access. */
export async function dissolve(deps: AppDeps, actorId: number, conversationId: number) {
  await requireGroupOwner(deps.db, conversationId, actorId);
  const now = deps.clock.now();
  const members = await memberIdsOf(deps.db, conversationId);
  const event = await deps.db.transaction(async (tx) => {
    await tx.delete(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
    const stored = await appendConversationEvent(tx, now, conversationId, { type: 'conversation.dissolved' }, { remove: members });
    await tx.update(conversations).set({ dissolvedAt: now }).where(eq(conversations.id, conversationId));
    return stored;
  });
  await deps.realtime.publishConversationEvent(event);
  return { ok: true as const };
}

/**
 * Removes `userId` if `check` (given the locked roles of both) allows it. A member already gone
 * (a double remove or leave: the second waits for the first's commit) is no change and no event.
 */
async function dropMember(
  deps: AppDeps,
  conversationId: number,
  userId: number,
  by: number,
  reason: 'removed' | 'left',
  check: (roles: Map<number, TMemberRole>) => void,
) {
  const now = deps.clock.now();
  const event: StoredConversationEvent | null = await deps.db.transaction(async (tx) => {
    const roles = await lockRoles(tx, conversationId, [userId, by]);
    if (!roles.has(userId)) return null;
    check(roles);
    await tx.delete(conversationMembers).where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
    return appendConversationEvent(tx, now, conversationId, { type: 'member.removed', userId, by, reason }, { remove: [userId] });
  });
  if (event) await deps.realtime.publishConversationEvent(event);
}

/** Sets the roles, if `actorId` still owns the group and each target is still a member. */
async function changeRoles(deps: AppDeps, conversationId: number, actorId: number, changes: Array<[number, TMemberRole]>) {
  const now = deps.clock.now();
  const events = await deps.db.transaction(async (tx) => {
    const roles = await lockRoles(tx, conversationId, [actorId, ...changes.map(([userId]) => userId)]);
    if (roles.get(actorId) !== 'owner') throw new AppError('FORBIDDEN', 'Only the owner can do this');
    if (changes.some(([userId]) => !roles.has(userId))) throw new AppError('NOT_FOUND', 'This user is not a member');
    for (const [userId, role] of changes) {
      await tx
        .update(conversationMembers)
        .set({ role })
        .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
    }
    const stored: StoredConversationEvent[] = [];
    for (const [userId, role] of changes) stored.push(await appendConversationEvent(tx, now, conversationId, { type: 'member.role', userId, role }));
    return stored;
  });
  for (const event of events) await deps.realtime.publishConversationEvent(event);
}
