import { conversationMembers, messages, readMessagePage, users, type Db, type TMessageRow } from '@chorus/db';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { duplicateKeyOf } from '../db-errors';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { deliverNotifications } from '../notifications/notifications.service';
import type { PublicMessage } from '../realtime/events';
import type { THistoryInput, TSendInput } from './chat.schema';
import { resolveAttachment } from './attachments';
import { appendConversationEvent } from './conversation-log';
import type { CommittedMessage } from './message-batch';
import { groupByEmoji, toPublicMessage, withReactions } from './message.mapper';
import { requireMember, visibleAfter } from './membership';
import { stopTyping } from './typing.service';
import { unpinDeletedMessage } from './pins/pin-store';
import { schedulePreview } from './previews/previews.service';
import { lockConversation } from './conversation-lock';
import { assertThreadRoot } from './threads/thread-reply';
import { onReadDb } from '../replica/on-replica';

/**
 * Stores a message and appends `message.created` to the conversation's log, through the send
 * queue (group commit; membership and blocks are checked there, under the conversation's
 * lock). The `clientId` makes it idempotent: a retry returns the first message.
 */
export async function sendMessage(deps: AppDeps, userId: number, input: TSendInput): Promise<PublicMessage> {
  // Replies, mentions and attachments read the conversation first: only for its members.
  if (input.replyToId || input.attachment || (input.text ?? '').includes('@')) await requireMember(deps.db, input.conversationId, userId);
  if (input.replyToId) await assertInConversation(deps.db, input.replyToId, input.conversationId);
  if (input.threadRootId) assertThreadRoot(await requireVisibleMessage(deps.db, input.threadRootId, userId), input.conversationId);
  const mentions = await resolveMentions(deps.db, input.conversationId, input.text);
  const attachment =
    input.attachment && (input.kind === 'image' || input.kind === 'file')
      ? await resolveAttachment(deps.db, userId, input.kind, input.attachment.fileId)
      : null;
  let committed: CommittedMessage;
  try {
    committed = await deps.sendQueue.commit({
      conversationId: input.conversationId,
      senderId: userId,
      clientId: input.clientId,
      kind: input.kind,
      text: input.text ?? null,
      attachment,
      replyToId: input.replyToId ?? null,
      threadRootId: input.threadRootId ?? null,
      mentions,
      createdAt: deps.clock.now(),
    });
  } catch (error) {
    const first = await sentBefore(deps, userId, input, error);
    if (!first) throw error;
    return first;
  }
  // The batch queued the message's push job (see app-deps alsoRun).
  deps.pushFanout.wake();
  // Sending ends "typing"; that Redis command overlaps the publish instead of waiting for it.
  await Promise.all([
    deps.realtime.publishConversationEvent(committed.event),
    committed.threadEvent && deps.realtime.publishConversationEvent(committed.threadEvent),
    stopTyping(deps, userId, input.conversationId),
  ]);
  await deliverNotifications(deps, committed.notes);
  if (input.previews !== false) schedulePreview(deps, committed.row);
  return toPublicMessage(committed.row);
}

/**
 * The first message of a retried send: its clientId is taken (or the same send raced
 * itself), or a block now stands where the first one went through.
 */
async function sentBefore(deps: AppDeps, userId: number, input: TSendInput, error: unknown): Promise<PublicMessage | null> {
  const taken = duplicateKeyOf(error) === 'messages_sender_client_uq';
  const blocked = error instanceof AppError && error.code === 'FORBIDDEN';
  if (!taken && !blocked) return null;
  const first = await findByClientId(deps.db, userId, input.clientId);
  return first && sameConversation(first, input.conversationId);
}

export async function editMessage(deps: AppDeps, userId: number, messageId: number, text: string): Promise<PublicMessage> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  if (message.senderId !== userId) throw new AppError('FORBIDDEN', 'You can only edit your own messages');
  if (message.deletedAt) throw new AppError('CONFLICT', 'This message was deleted');
  if (message.kind === 'system') throw new AppError('FORBIDDEN', 'This message cannot be edited');
  const now = deps.clock.now();
  const mentions = await resolveMentions(deps.db, message.conversationId, text);
  const { event, row } = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, message.conversationId);
    // Read again under the lock: the event carries the whole message, and a delete, a link
    // preview or a thread reply (root summary) may have committed since the checks above.
    const [current] = await tx.select().from(messages).where(eq(messages.id, messageId)).limit(1);
    if (!current || current.deletedAt) throw new AppError('CONFLICT', 'This message was deleted');
    await tx.update(messages).set({ text, mentions, editedAt: now }).where(eq(messages.id, messageId));
    await deps.search.enqueue(tx, [messageId]);
    const [updated] = await withReactions(tx, [{ ...current, text, mentions, editedAt: now }]);
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
  const events = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, message.conversationId);
    // Decided under the lock: of two deletes at once, the second finds the message deleted and logs nothing.
    const [result] = await tx
      .update(messages)
      .set({ deletedAt: now })
      .where(and(eq(messages.id, messageId), isNull(messages.deletedAt)));
    if (result.affectedRows === 0) return [];
    await deps.search.enqueue(tx, [messageId]);
    const deleted = await appendConversationEvent(tx, now, message.conversationId, { type: 'message.deleted', messageId });
    // A deleted message's pin goes with it.
    return [deleted, ...(await unpinDeletedMessage(tx, now, message.conversationId, messageId, userId))];
  });
  for (const event of events) await deps.realtime.publishConversationEvent(event);
  return { ok: true };
}

/**
 * Newest first; `beforeId` pages back. A room hiding its history shows only messages since
 * joining. The page is read alongside the membership check and dropped unseen if that fails;
 * messages at or below the member's floor are the oldest of any page, so filtering them out
 * afterwards leaves exactly the visible page.
 */
export function history(deps: AppDeps, userId: number, input: THistoryInput): Promise<PublicMessage[]> {
  return onReadDb(deps, userId, (on) => historyOn(on, userId, input));
}

async function historyOn(deps: AppDeps, userId: number, input: THistoryInput): Promise<PublicMessage[]> {
  const [membership, rows] = await Promise.allSettled([requireMember(deps.db, input.conversationId, userId), readMessagePage(deps.db.$client, input)]);
  if (membership.status === 'rejected') throw membership.reason;
  if (rows.status === 'rejected') throw rows.reason;
  const floor = visibleAfter(membership.value);
  const page: PublicMessage[] = [];
  for (const { row, reactions } of rows.value) {
    if (row.id > floor) page.push(toPublicMessage(row, groupByEmoji(reactions)));
  }
  return page;
}

/** A message in a conversation the caller belongs to; otherwise "not found". */
export async function requireVisibleMessage(db: Db, messageId: number, userId: number): Promise<TMessageRow> {
  const [message] = await db.select().from(messages).where(eq(messages.id, messageId)).limit(1);
  if (!message) throw new AppError('NOT_FOUND', 'No such message');
  const membership = await requireMember(db, message.conversationId, userId).catch(() => {
    throw new AppError('NOT_FOUND', 'No such message');
  });
  if (message.id <= visibleAfter(membership)) throw new AppError('NOT_FOUND', 'No such message');
  return message;
}

async function findByClientId(db: DbOrTx, senderId: number, clientId: string): Promise<PublicMessage | null> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.senderId, senderId), eq(messages.clientId, clientId)))
    .limit(1);
  return row ? ((await withReactions(db, [row]))[0] ?? null) : null;
}

function sameConversation(message: PublicMessage, conversationId: number): PublicMessage {
  if (message.conversationId !== conversationId) throw new AppError('CONFLICT', 'This clientId was already used for another conversation');
  return message;
}

async function assertInConversation(db: DbOrTx, messageId: number, conversationId: number): Promise<void> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)))
    .limit(1);
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
