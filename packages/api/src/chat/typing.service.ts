import type { AppDeps } from '../deps';
import { memberIdsOf, requireMember } from './membership';
import { conversationTag } from '../redis-keys';

export const TYPING_TTL_MS = 5000;
const key = (conversationId: number) => `chorus:${conversationTag(conversationId)}:typing`;

/** "I am typing": shown to the other members until it expires a few seconds later. */
export async function startTyping(deps: AppDeps, userId: number, conversationId: number): Promise<{ expiresAt: Date }> {
  const membership = await requireMember(deps.db, conversationId, userId);
  const expiresAt = new Date(deps.clock.now().getTime() + TYPING_TTL_MS);
  await deps.redis
    .multi()
    .zadd(key(conversationId), expiresAt.getTime(), String(userId))
    .pexpire(key(conversationId), TYPING_TTL_MS * 2)
    .exec();
  if (membership.conversation.kind === 'room') {
    // A room's members watch its own stream, not their personal ones.
    await deps.realtime.rooms.publishEphemeral(conversationId, { type: 'typing', conversationId, userId, expiresAt });
    return { expiresAt };
  }
  const others = (await memberIdsOf(deps.db, conversationId)).filter((id) => id !== userId);
  await deps.realtime.publishEphemeral(others, { type: 'typing', conversationId, userId, expiresAt });
  return { expiresAt };
}

/** Who is typing now; expired entries are dropped as they are read. */
export async function typingUserIds(deps: Pick<AppDeps, 'redis' | 'clock'>, conversationId: number): Promise<number[]> {
  const now = deps.clock.now().getTime();
  const [, members] = (await deps.redis.multi().zremrangebyscore(key(conversationId), '-inf', now).zrange(key(conversationId), 0, -1).exec()) ?? [];
  return ((members?.[1] as string[] | undefined) ?? []).map(Number);
}

/** Sending a message ends "typing" at once. */
export async function stopTyping(deps: Pick<AppDeps, 'redis'>, userId: number, conversationId: number): Promise<void> {
  await deps.redis.zrem(key(conversationId), String(userId));
}
