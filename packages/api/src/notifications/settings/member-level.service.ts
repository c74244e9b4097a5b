import { conversationMembers } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import { requireMember } from '../../chat/membership';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { effectiveLevel, isMuted } from '../levels';
import type { TMemberNotificationSettings, TSetNotificationLevelInput } from './settings.schema';
import { loadNotificationSettings } from './settings.service';

/**
 * The caller's own level (and mute) for one conversation they belong to: direct, group or
 * room alike. Nobody else's membership changes, and nothing is published: the other members
 * have no business knowing who muted them.
 */
export async function setNotificationLevel(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  userId: number,
  input: TSetNotificationLevelInput,
): Promise<TMemberNotificationSettings> {
  const membership = await requireMember(deps.db, input.conversationId, userId);
  const now = deps.clock.now();
  if (input.mutedUntil && input.mutedUntil.getTime() <= now.getTime()) {
    throw new AppError('BAD_INPUT', 'mutedUntil must be in the future (null unmutes)', { details: { field: 'mutedUntil' } });
  }
  await deps.db
    .update(conversationMembers)
    .set({ notifyLevel: input.level, ...(input.mutedUntil === undefined ? {} : { mutedUntil: input.mutedUntil }) })
    .where(and(eq(conversationMembers.conversationId, input.conversationId), eq(conversationMembers.userId, userId)));
  const [row] = await deps.db
    .select({ level: conversationMembers.notifyLevel, mutedUntil: conversationMembers.mutedUntil })
    .from(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, input.conversationId), eq(conversationMembers.userId, userId)))
    .limit(1);
  // Left between the check and the update.
  if (!row) throw new AppError('NOT_FOUND', 'No such conversation');
  const settings = await loadNotificationSettings(deps.db, userId);
  return {
    conversationId: input.conversationId,
    level: row.level,
    effectiveLevel: effectiveLevel(membership.conversation.kind, row.level, settings),
    mutedUntil: row.mutedUntil,
    muted: isMuted(row.mutedUntil, now),
  };
}
