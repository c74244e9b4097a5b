// Who is pushed for a message, and what they see.
import { conversationMembers, conversations, messages, threadFollowers, type TPushPayload } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { blockedAmong } from '../../friends/blocks';
import { dndEndsAt, effectiveLevel, isMuted, levelAllows } from '../../notifications/levels';
import type { PushIntent } from '../outbox';
import { badgesOf, notConnected, settingsOf, usersOf } from './audience';
import { messagePayload } from './content';

type FanoutDeps = Pick<AppDeps, 'db' | 'realtime'>;

/** A message push may wait (do-not-disturb, an unreachable phone) this long. */
export const MESSAGE_TTL_SECONDS = 24 * 3600;

/**
 * The pushes a message causes, read from the message as it is now: one deleted before the
 * fan-out is not pushed, one edited is pushed with its new text.
 *
 * - Direct conversation: the other member (a direct message always names its receiver).
 * - Group or room: members whose level is `all` hear every message in the main timeline;
 *   at `mentions` (or `all`) they hear what addresses them: an @mention, a reply to one of
 *   their messages, a reply in a thread they follow. Thread replies reach only those they
 *   address: a thread is a side conversation its followers chose.
 * - Never the sender, a user either side of a block, a member who muted the conversation,
 *   or a user with a visible client (see `notConnected`).
 * - Do-not-disturb holds the push until it ends (it stays collapsible meanwhile).
 */
export async function messageIntents(deps: FanoutDeps, messageId: number, now: Date): Promise<PushIntent[]> {
  const [found] = await deps.db
    .select({ message: messages, kind: conversations.kind, name: conversations.name, dissolvedAt: conversations.dissolvedAt })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(eq(messages.id, messageId))
    .limit(1);
  if (!found || found.message.deletedAt || found.message.kind === 'system' || found.dissolvedAt) return [];
  const { message, kind } = found;

  const members = await deps.db
    .select({ userId: conversationMembers.userId, notifyLevel: conversationMembers.notifyLevel, mutedUntil: conversationMembers.mutedUntil })
    .from(conversationMembers)
    .where(eq(conversationMembers.conversationId, message.conversationId));
  const others = members.filter((member) => member.userId !== message.senderId && !isMuted(member.mutedUntil, now));
  if (others.length === 0) return [];

  const reasons = await addressedReasons(deps, message, kind === 'direct');
  const settings = await settingsOf(
    deps.db,
    others.map((member) => member.userId),
  );
  const wanted = others.filter((member) => {
    const addressed = kind === 'direct' || reasons.has(member.userId);
    if (message.threadRootId !== null && !addressed) return false;
    return levelAllows(effectiveLevel(kind, member.notifyLevel, settings.get(member.userId)!), addressed);
  });
  if (wanted.length === 0) return [];

  const blocked = await blockedAmong(
    deps.db,
    message.senderId,
    wanted.map((member) => member.userId),
  );
  const recipients = await notConnected(
    deps,
    wanted.map((member) => member.userId).filter((userId) => !blocked.has(userId)),
  );
  if (recipients.length === 0) return [];

  const [people, badges] = await Promise.all([usersOf(deps.db, [message.senderId, ...recipients]), badgesOf(deps.db, recipients, now)]);
  const sender = people.get(message.senderId);
  if (!sender) return [];
  const intents: PushIntent[] = [];
  for (const userId of recipients) {
    const person = people.get(userId);
    if (!person) continue;
    const userSettings = settings.get(userId)!;
    const payload = messagePayload(
      {
        type: kind === 'direct' ? 'message' : (reasons.get(userId) ?? 'message'),
        conversationId: message.conversationId,
        messageId: message.id,
        senderName: sender.name,
        conversationName: kind === 'direct' ? null : found.name,
        kind: message.kind,
        text: message.text,
      },
      userSettings.pushPrivacy,
      person.locale,
    );
    intents.push({
      userId,
      delivery: { payload, ttlSeconds: MESSAGE_TTL_SECONDS, urgency: 'normal', collapseKey: `c${message.conversationId}`, badge: badges.get(userId) ?? 0 },
      notBefore: dndEndsAt(userSettings, now) ?? undefined,
    });
  }
  return intents;
}

type Reason = Extract<TPushPayload['type'], 'mention' | 'reply' | 'thread_reply'>;

/** The users a message addresses and why (a mention outranks a reply, which outranks a thread). */
async function addressedReasons(deps: FanoutDeps, message: typeof messages.$inferSelect, direct: boolean): Promise<Map<number, Reason>> {
  const reasons = new Map<number, Reason>();
  if (direct) return reasons;
  if (message.threadRootId !== null) {
    const followers = await deps.db
      .select({ userId: threadFollowers.userId })
      .from(threadFollowers)
      .where(and(eq(threadFollowers.rootId, message.threadRootId), eq(threadFollowers.following, true)));
    for (const { userId } of followers) reasons.set(userId, 'thread_reply');
  }
  if (message.replyToId !== null) {
    const [replied] = await deps.db
      .select({ senderId: messages.senderId })
      .from(messages)
      .where(and(eq(messages.id, message.replyToId), eq(messages.conversationId, message.conversationId)))
      .limit(1);
    if (replied) reasons.set(replied.senderId, 'reply');
  }
  for (const userId of message.mentions ?? []) reasons.set(userId, 'mention');
  reasons.delete(message.senderId);
  return reasons;
}
