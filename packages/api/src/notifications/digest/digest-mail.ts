import { conversationMembers, conversations, messageMentions, messages, notificationSettings, users } from '@chorus/db';
import { clipLine } from '../../strings';
import { and, desc, eq, gt, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { enqueueMail } from '../../mail/outbox.service';
import { mailLanguage, type TDigestMailData } from '../../mail/templates';
import { effectiveLevel, isMuted, levelAllows } from '../levels';
import { upsertNotificationSettings } from '../settings/settings.service';
import { UNSUBSCRIBE_PATH } from './mail-links';
import { createUnsubscribeToken } from './unsubscribe-token';

/** Older unread messages are left to the app: a first digest after months away stays short. */
export const DIGEST_LOOKBACK_MS = 7 * 24 * 3600 * 1000;
/** Messages read for one digest, newest first (counts above it show as "at least"). */
const MAX_ITEMS = 200;
const MAX_CONVERSATIONS = 10;
const LINES_PER_CONVERSATION = 3;
const LINE_CHARS = 140;
/** One digest at most this often: a day away brings a few mails, not one per message. */
export const DIGEST_MIN_GAP_MS = 6 * 3600 * 1000;

/** `later`: a digest went out less than DIGEST_MIN_GAP_MS ago; ask again then. */
export type DigestOutcome = 'sent' | 'nothing' | 'off' | 'later';

/**
 * One user's digest: the unread direct messages and mentions created after their last digest
 * and at or before `cutoff`, in conversations they have not muted or silenced. The mail is
 * queued and `lastDigestAt` moved to `cutoff` in one transaction, under a lock on the user's
 * settings row, so two passes can never mail the same messages twice.
 */
export async function sendDigest(deps: Pick<AppDeps, 'db' | 'clock' | 'mailLinks'>, userId: number, cutoff: Date): Promise<DigestOutcome> {
  const outcome = await deps.db.transaction(async (tx) => {
    const [user] = await tx
      .select({ email: users.email, verifiedAt: users.emailVerifiedAt, locale: users.locale, bannedAt: users.bannedAt })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    if (!user?.email || !user.verifiedAt || user.bannedAt) return 'off' as const;
    await upsertNotificationSettings(tx, userId, {});
    const [settings] = await tx.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)).for('update');
    if (!settings?.digestEnabled) return 'off' as const;
    // lastDigestAt holds the previous digest's cutoff: cutoffs are as far apart as the mails.
    if (settings.lastDigestAt && cutoff.getTime() - settings.lastDigestAt.getTime() < DIGEST_MIN_GAP_MS) return 'later' as const;
    const now = deps.clock.now();
    const lookback = new Date(now.getTime() - DIGEST_LOOKBACK_MS);
    const since = settings.lastDigestAt && settings.lastDigestAt > lookback ? settings.lastDigestAt : lookback;
    const items = (await unreadItems(tx, userId, since, cutoff)).filter(
      (item) => !isMuted(item.mutedUntil, now) && levelAllows(effectiveLevel(item.kind, item.notifyLevel, settings), true),
    );
    if (items.length === 0) return 'nothing' as const;
    const language = mailLanguage(user.locale);
    const token = createUnsubscribeToken(deps.mailLinks.linkSecret, userId, now);
    const unsubscribeUrl = `${deps.mailLinks.publicUrl}${UNSUBSCRIBE_PATH}?token=${token}`;
    await enqueueMail(
      { db: tx, clock: deps.clock },
      {
        to: user.email,
        template: 'digest',
        locale: user.locale,
        data: summarize(items, language, { openUrl: `${deps.mailLinks.publicUrl}/`, unsubscribeUrl }),
        // RFC 8058: mail clients offer "unsubscribe", which POSTs to the URL without a visit.
        headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      },
    );
    await tx.update(notificationSettings).set({ lastDigestAt: cutoff }).where(eq(notificationSettings.userId, userId));
    return 'sent' as const;
  });
  return outcome;
}

type Item = Awaited<ReturnType<typeof unreadItems>>[number];

async function unreadItems(tx: DbOrTx, userId: number, since: Date, cutoff: Date) {
  const sender = alias(users, 'sender');
  const peer = alias(users, 'peer');
  const peerMember = alias(conversationMembers, 'peer_member');
  return tx
    .select({
      conversationId: messages.conversationId,
      kind: conversations.kind,
      name: conversations.name,
      peerName: peer.displayName,
      notifyLevel: conversationMembers.notifyLevel,
      mutedUntil: conversationMembers.mutedUntil,
      senderName: sender.displayName,
      messageKind: messages.kind,
      text: messages.text,
    })
    .from(conversationMembers)
    .innerJoin(conversations, and(eq(conversations.id, conversationMembers.conversationId), isNull(conversations.dissolvedAt)))
    .innerJoin(messages, and(eq(messages.conversationId, conversationMembers.conversationId), gt(messages.id, conversationMembers.lastReadMessageId)))
    .innerJoin(sender, eq(sender.id, messages.senderId))
    .leftJoin(messageMentions, and(eq(messageMentions.messageId, messages.id), eq(messageMentions.userId, userId)))
    .leftJoin(peerMember, and(eq(conversations.kind, 'direct'), eq(peerMember.conversationId, conversations.id), ne(peerMember.userId, userId)))
    .leftJoin(peer, eq(peer.id, peerMember.userId))
    .where(
      and(
        eq(conversationMembers.userId, userId),
        ne(messages.senderId, userId),
        ne(messages.kind, 'system'),
        isNull(messages.deletedAt),
        gt(messages.createdAt, since),
        lte(messages.createdAt, cutoff),
        or(eq(conversations.kind, 'direct'), sql`${messageMentions.userId} is not null`),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(MAX_ITEMS);
}

function summarize(items: Item[], language: 'en' | 'zh', links: Pick<TDigestMailData, 'openUrl' | 'unsubscribeUrl'>): TDigestMailData {
  // Items come newest first, so conversations come in order of their latest message.
  const byConversation = new Map<number, Item[]>();
  for (const item of items) byConversation.set(item.conversationId, [...(byConversation.get(item.conversationId) ?? []), item]);
  const groups = [...byConversation.values()];
  return {
    total: items.length,
    conversations: groups.slice(0, MAX_CONVERSATIONS).map((group) => {
      const first = group[0]!;
      return {
        title: titleOf(first, language),
        kind: first.kind,
        count: group.length,
        lines: group
          .slice(0, LINES_PER_CONVERSATION)
          .reverse()
          .map((item) => ({ sender: item.senderName, text: lineOf(item, language) })),
      };
    }),
    moreConversations: Math.max(0, groups.length - MAX_CONVERSATIONS),
    ...links,
  };
}

function titleOf(item: Item, language: 'en' | 'zh'): string {
  if (item.kind === 'direct') return item.peerName ?? item.senderName;
  return item.name ?? (language === 'zh' ? '群聊' : 'Group chat');
}

function lineOf(item: Item, language: 'en' | 'zh'): string {
  if (item.messageKind === 'image') return language === 'zh' ? '[图片]' : '[photo]';
  if (item.messageKind === 'file') return language === 'zh' ? '[文件]' : '[file]';
  return clipLine(item.text ?? '', LINE_CHARS);
}
