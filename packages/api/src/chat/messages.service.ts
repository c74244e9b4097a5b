import { conversationMembers, conversations, messageMentions, messages, users, type TMessageRow } from '@chorus/db';
import { and, desc, eq, getTableColumns, inArray, lt } from 'drizzle-orm';
import { duplicateKeyOf, retryOnDeadlock } from '../db-errors';
import type { AppDeps, DbOrTx } from '../deps';
import { AppError } from '../errors';
import { createNotifications, deliverNotifications, type StoredNotification } from '../notifications/notifications.service';
import type { PublicMessage } from '../realtime/events';
import type { THistoryInput, TSendInput } from './chat.schema';
import { resolveAttachment, shareFile } from './attachments';
import { appendConversationEvent, insertConversationEvent, takeSeq } from './conversation-log';
import { reactionPairsColumn, reactionsFromPairs, toPublicMessage, withReactions } from './message.mapper';
import { assertCanWrite, requireMember, visibleAfter } from './membership';
import { stopTyping } from './typing.service';

/**
 * Stores a message and appends `message.created` to the conversation's log in one
 * transaction. The `clientId` makes it idempotent: a retry returns the first message.
 */
export async function sendMessage(deps: AppDeps, userId: number, input: TSendInput): Promise<PublicMessage> {
  const membership = await requireMember(deps.db, input.conversationId, userId);
  const existing = await findByClientId(deps.db, userId, input.clientId);
  if (existing) return sameConversation(existing, input.conversationId);
  await assertCanWrite(deps.db, membership, userId);
  if (input.replyToId) await assertInConversation(deps.db, input.replyToId, input.conversationId);
  const mentions = await resolveMentions(deps.db, input.conversationId, input.text);
  const attachment = input.attachment && (input.kind === 'image' || input.kind === 'file') ? await resolveAttachment(deps.db, userId, input.kind, input.attachment.fileId) : null;
  const now = deps.clock.now();
  let stored: { row: TMessageRow; event: Awaited<ReturnType<typeof appendConversationEvent>>; notes: StoredNotification[] };
  try {
    stored = await retryOnDeadlock(() => deps.db.transaction(async (tx) => {
      // Locks the conversation first, so message ids follow the conversation's event order.
      const values = {
        conversationId: input.conversationId,
        senderId: userId,
        clientId: input.clientId,
        kind: input.kind,
        text: input.text ?? null,
        attachment,
        replyToId: input.replyToId ?? null,
        mentions,
        createdAt: now,
      };
      const seq = await takeSeq(tx, input.conversationId, now);
      // Re-checked under the conversation lock: a member removed meanwhile cannot slip in.
      const [stillMember] = await tx
        .select({ userId: conversationMembers.userId })
        .from(conversationMembers)
        .where(and(eq(conversationMembers.conversationId, input.conversationId), eq(conversationMembers.userId, userId)));
      if (!stillMember) throw new AppError('NOT_FOUND', 'No such conversation');
      const [result] = await tx.insert(messages).values(values);
      if (attachment) await shareFile(tx, attachment.fileId, input.conversationId, result.insertId, now);
      const row: TMessageRow = { id: result.insertId, editedAt: null, deletedAt: null, ...values };
      await tx.update(conversations).set({ lastMessageId: row.id }).where(eq(conversations.id, input.conversationId));
      let notes: StoredNotification[] = [];
      if (mentions.length > 0) {
        await tx.insert(messageMentions).values(mentions.map((mentioned) => ({ messageId: row.id, userId: mentioned, conversationId: input.conversationId, createdAt: now })));
        const excerpt = (input.text ?? '').slice(0, 140);
        const payload = { conversationId: input.conversationId, messageId: row.id, senderId: userId, excerpt };
        notes = await createNotifications(tx, now, mentions.filter((id) => id !== userId).map((mentioned) => ({ userId: mentioned, type: 'mention' as const, payload })));
      }
      const event = await insertConversationEvent(tx, now, input.conversationId, seq, { type: 'message.created', message: toPublicMessage(row) });
      return { row, event, notes };
    }));
  } catch (error) {
    // The same clientId raced itself: the first one won.
    if (duplicateKeyOf(error) !== 'messages_sender_client_uq') throw error;
    const first = await findByClientId(deps.db, userId, input.clientId);
    if (!first) throw error;
    return sameConversation(first, input.conversationId);
  }
  await deps.realtime.publishConversationEvent(stored.event);
  await deliverNotifications(deps, stored.notes);
  await stopTyping(deps, userId, input.conversationId);
  return toPublicMessage(stored.row);
}

export async function editMessage(deps: AppDeps, userId: number, messageId: number, text: string): Promise<PublicMessage> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  if (message.senderId !== userId) throw new AppError('FORBIDDEN', 'You can only edit your own messages');
  if (message.deletedAt) throw new AppError('CONFLICT', 'This message was deleted');
  if (message.kind !== 'text' && message.kind !== 'emoji' && message.kind !== 'image' && message.kind !== 'file') throw new AppError('FORBIDDEN', 'This message cannot be edited');
  const now = deps.clock.now();
  const mentions = await resolveMentions(deps.db, message.conversationId, text);
  const { event, row } = await deps.db.transaction(async (tx) => {
    await tx.update(messages).set({ text, mentions, editedAt: now }).where(eq(messages.id, messageId));
    const [updated] = await withReactions(tx, [{ ...message, text, mentions, editedAt: now }]);
    return { row: updated!, event: await appendConversationEvent(tx, now, message.conversationId, { type: 'message.updated', message: updated! }) };
  });
  await deps.realtime.publishConversationEvent(event);
  return row;
}

/** Soft delete by the sender, or by an owner or admin of a group or room. */
export async function deleteMessage(deps: AppDeps, userId: number, messageId: number): Promise<{ ok: true }> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  if (message.senderId !== userId) {
    const membership = await requireMember(deps.db, message.conversationId, userId);
    if (membership.conversation.kind === 'direct' || membership.role === 'member') throw new AppError('FORBIDDEN', 'You can only delete your own messages');
  }
  if (message.deletedAt) return { ok: true };
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    await tx.update(messages).set({ deletedAt: now }).where(eq(messages.id, messageId));
    return appendConversationEvent(tx, now, message.conversationId, { type: 'message.deleted', messageId });
  });
  await deps.realtime.publishConversationEvent(event);
  return { ok: true };
}

/**
 * Newest first; `beforeId` pages back. A room hiding its history shows only messages since
 * joining. The page is read alongside the membership check and dropped unseen if that fails;
 * messages at or below the member's floor are the oldest of any page, so filtering them out
 * afterwards leaves exactly the visible page.
 */
export async function history(deps: AppDeps, userId: number, input: THistoryInput): Promise<PublicMessage[]> {
  const inConversation = eq(messages.conversationId, input.conversationId);
  // Without the hint MariaDB walks the index from the newest message back, reading every row
  // newer than `beforeId`; with it, a page is one short range scan.
  const page = deps.db
    .select({ row: getTableColumns(messages), reactionPairs: reactionPairsColumn })
    .from(messages, { forceIndex: 'messages_conversation_idx' })
    .where(input.beforeId ? and(inConversation, lt(messages.id, input.beforeId)) : inConversation)
    .orderBy(desc(messages.id))
    .limit(input.limit);
  const [membership, rows] = await Promise.allSettled([requireMember(deps.db, input.conversationId, userId), page]);
  if (membership.status === 'rejected') throw membership.reason;
  if (rows.status === 'rejected') throw rows.reason;
  const floor = visibleAfter(membership.value);
  return rows.value.filter(({ row }) => row.id > floor).map(({ row, reactionPairs }) => toPublicMessage(row, reactionsFromPairs(reactionPairs)));
}

/** A message in a conversation the caller belongs to; otherwise "not found". */
export async function requireVisibleMessage(db: DbOrTx, messageId: number, userId: number): Promise<TMessageRow> {
  const [message] = await db.select().from(messages).where(eq(messages.id, messageId)).limit(1);
  if (!message) throw new AppError('NOT_FOUND', 'No such message');
  const membership = await requireMember(db, message.conversationId, userId).catch(() => {
    throw new AppError('NOT_FOUND', 'No such message');
  });
  if (message.id <= visibleAfter(membership)) throw new AppError('NOT_FOUND', 'No such message');
  return message;
}

async function findByClientId(db: DbOrTx, senderId: number, clientId: string): Promise<PublicMessage | null> {
  const [row] = await db.select().from(messages).where(and(eq(messages.senderId, senderId), eq(messages.clientId, clientId))).limit(1);
  return row ? ((await withReactions(db, [row]))[0] ?? null) : null;
}

function sameConversation(message: PublicMessage, conversationId: number): PublicMessage {
  if (message.conversationId !== conversationId) throw new AppError('CONFLICT', 'This clientId was already used for another conversation');
  return message;
}

async function assertInConversation(db: DbOrTx, messageId: number, conversationId: number): Promise<void> {
  const [row] = await db.select({ id: messages.id }).from(messages).where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId))).limit(1);
  if (!row) throw new AppError('BAD_INPUT', 'The replied-to message is not in this conversation');
}

/** `@username` mentions of members of the conversation. */
async function resolveMentions(db: DbOrTx, conversationId: number, text: string | undefined): Promise<number[]> {
  const names = [...new Set([...(text ?? '').matchAll(/@([\p{L}\p{N}_]{3,32})/gu)].map((match) => match[1]!))].slice(0, 50);
  if (names.length === 0) return [];
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .innerJoin(conversationMembers, and(eq(conversationMembers.userId, users.id), eq(conversationMembers.conversationId, conversationId)))
    .where(inArray(users.username, names));
  return rows.map((row) => row.id);
}
