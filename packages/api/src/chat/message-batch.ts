import {
  beginMessageBatch,
  drizzleOn,
  insertEventsAndCommit,
  insertMessages,
  messageMentions,
  rollbackBatch,
  type ScriptConnection,
  type ScriptPool,
  type TMessageRow,
} from '@chorus/db';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { createNotifications, type StoredNotification } from '../notifications/notification-store';
import type { StoredConversationEvent } from '../realtime/stored-event';
import { shareFile } from './attachments';
import { conversationEventValues } from './conversation-log';
import { toPublicMessage } from './message.mapper';

/** A message ready to store: everything but the ids the database gives it. */
export type MessageDraft = Omit<TMessageRow, 'id' | 'editedAt' | 'deletedAt'>;

export interface CommittedMessage {
  row: TMessageRow;
  event: StoredConversationEvent;
  /** Mention notifications, to deliver after commit. */
  notes: StoredNotification[];
}

/** Each draft's fate, in the order given: stored, or refused with a typed error. */
export type DraftOutcome = { ok: true; committed: CommittedMessage } | { ok: false; error: AppError };

const notMember = () => new AppError('NOT_FOUND', 'No such conversation');
const blockedPeer = () => new AppError('FORBIDDEN', 'You cannot message this user');

/**
 * Stores several messages in one transaction, in three round trips however many there are
 * (the statements are in packages/db, hot/message-batch.ts): the conversations are locked and
 * membership and blocks checked under those locks; then all messages are inserted; then their
 * `message.created` events, the conversations' new seq and last message, and the commit.
 * Drafts of one conversation get consecutive seqs and ascending ids in the order given. A
 * refused draft does not stop the others; any database error (a reused clientId included)
 * fails the whole batch, and the caller decides what to retry. `alsoRun` adds statements to
 * the transaction, run just before its commit (the search queue's, see search/runtime.ts).
 */
export async function commitMessageBatch(
  scripts: ScriptPool,
  drafts: MessageDraft[],
  alsoRun: (rows: readonly TMessageRow[]) => string[] = () => [],
): Promise<DraftOutcome[]> {
  const connection = await scripts.getConnection();
  try {
    const outcomes = await commitOn(connection, drafts, alsoRun);
    connection.release();
    return outcomes;
  } catch (error) {
    // A connection that cannot even roll back is dropped, not handed to the next batch.
    await rollbackBatch(connection).then(
      () => connection.release(),
      () => connection.destroy(),
    );
    throw error;
  }
}

async function commitOn(connection: ScriptConnection, drafts: MessageDraft[], alsoRun: (rows: readonly TMessageRow[]) => string[]): Promise<DraftOutcome[]> {
  const conversationIds = [...new Set(drafts.map((draft) => draft.conversationId))];
  const senderIds = [...new Set(drafts.map((draft) => draft.senderId))];
  const batch = await beginMessageBatch(connection, conversationIds, senderIds);
  const outcomes: Array<DraftOutcome | null> = drafts.map((draft) => {
    const standing = batch.standing(draft.conversationId, draft.senderId);
    return standing === 'absent' ? { ok: false, error: notMember() } : standing === 'blocked' ? { ok: false, error: blockedPeer() } : null;
  });
  const accepted = drafts.filter((_, index) => outcomes[index] === null);
  if (accepted.length === 0) {
    await rollbackBatch(connection);
    return outcomes as DraftOutcome[];
  }

  const messageIds = await insertMessages(connection, accepted);
  const rows: TMessageRow[] = accepted.map((draft, index) => ({ id: messageIds[index]!, editedAt: null, deletedAt: null, ...draft }));
  const lastSeqs = batch.lastSeqs;
  const events = rows.map((row) => {
    const seq = lastSeqs.get(row.conversationId)! + 1;
    lastSeqs.set(row.conversationId, seq);
    return conversationEventValues(row.createdAt, row.conversationId, seq, { type: 'message.created', message: toPublicMessage(row) });
  });
  const notes = await storeAllExtras(connection, rows);
  const eventIds = await insertEventsAndCommit(
    connection,
    events.map(({ values }) => values),
    rows,
    alsoRun(rows),
  );

  const committed = rows.map((row, index): CommittedMessage => ({ row, event: { ...events[index]!.event, id: eventIds[index]! }, notes: notes[index]! }));
  let next = 0;
  return outcomes.map((outcome) => outcome ?? { ok: true, committed: committed[next++]! });
}

/**
 * Each row's extras, in order, with the notifications they created, inside the transaction on
 * `connection`. The query builder on it is made only when a row has any: most batches have
 * none, and making one per batch showed in profiles.
 */
async function storeAllExtras(connection: ScriptConnection, rows: TMessageRow[]): Promise<StoredNotification[][]> {
  let tx: DbOrTx | undefined;
  const txOnConnection = () => (tx ??= drizzleOn(connection));
  const notes: StoredNotification[][] = [];
  for (const row of rows) notes.push(await storeExtras(txOnConnection, row));
  return notes;
}

/** What only some messages need: a shared attachment, recorded mentions and their notifications. */
async function storeExtras(txOf: () => DbOrTx, row: TMessageRow): Promise<StoredNotification[]> {
  if (row.attachment) await shareFile(txOf(), row.attachment.fileId, row.conversationId, row.id, row.createdAt);
  const mentions = row.mentions ?? [];
  if (mentions.length === 0) return [];
  const tx = txOf();
  await tx
    .insert(messageMentions)
    .values(mentions.map((userId) => ({ messageId: row.id, userId, conversationId: row.conversationId, createdAt: row.createdAt })));
  const payload = { conversationId: row.conversationId, messageId: row.id, senderId: row.senderId, excerpt: (row.text ?? '').slice(0, 140) };
  return createNotifications(
    tx,
    row.createdAt,
    mentions.filter((userId) => userId !== row.senderId).map((userId) => ({ userId, type: 'mention' as const, payload })),
  );
}
