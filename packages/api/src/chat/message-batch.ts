import { conversationEvents, conversations, drizzleOn, insertRowsSql, messageMentions, messages, sqlText, type ScriptConnection, type ScriptPool, type TMessageRow } from '@chorus/db';
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
 * (each a script of several statements, see `openScriptPool`): the conversations are locked
 * (in id order, so batches never deadlock each other) and membership and blocks checked under
 * those locks; then all messages are inserted; then their `message.created` events, the
 * conversations' new seq and last message, and the commit. Drafts of one conversation get
 * consecutive seqs and ascending ids in the order given. A refused draft does not stop the
 * others; any database error (a reused clientId included) fails the whole batch, and the
 * caller decides what to retry.
 */
export async function commitMessageBatch(scripts: ScriptPool, drafts: MessageDraft[]): Promise<DraftOutcome[]> {
  const connection = await scripts.getConnection();
  try {
    const outcomes = await commitOn(connection, drafts);
    connection.release();
    return outcomes;
  } catch (error) {
    // A connection that cannot even roll back is dropped, not handed to the next batch.
    await connection.query('rollback').then(
      () => connection.release(),
      () => connection.destroy(),
    );
    throw error;
  }
}

async function commitOn(connection: ScriptConnection, drafts: MessageDraft[]): Promise<DraftOutcome[]> {
  const conversationIds = [...new Set(drafts.map((draft) => draft.conversationId))];
  const senderIds = [...new Set(drafts.map((draft) => draft.senderId))];
  const [, locked, writers] = await runScript(connection, ['start transaction', lockSql(conversationIds), writersSql(conversationIds, senderIds)]);
  const lastSeqs = new Map((locked as LockedRow[]).map((row) => [Number(row.id), Number(row.lastSeq)]));
  const allowed = new Map((writers as WriterRow[]).map((row) => [writerKey(Number(row.conversationId), Number(row.userId)), Number(row.blocked) === 1]));
  const outcomes: Array<DraftOutcome | null> = drafts.map((draft) => {
    const blocked = lastSeqs.has(draft.conversationId) ? allowed.get(writerKey(draft.conversationId, draft.senderId)) : undefined;
    if (blocked === undefined) return { ok: false, error: notMember() };
    return blocked ? { ok: false, error: blockedPeer() } : null;
  });
  const accepted = drafts.filter((_, index) => outcomes[index] === null);
  if (accepted.length === 0) {
    await connection.query('rollback');
    return outcomes as DraftOutcome[];
  }

  const messageKeys = accepted.map((draft): IdKey => [draft.senderId, draft.clientId]);
  const messagesWritten = await runScript(connection, [insertRowsSql(messages, accepted), ...idsSql('messages', ['sender_id', 'client_id'], messageKeys)]);
  const messageIds = insertedIds(messagesWritten, messageKeys);
  const rows: TMessageRow[] = accepted.map((draft, index) => ({ id: messageIds[index]!, editedAt: null, deletedAt: null, ...draft }));
  const events = rows.map((row) => {
    const seq = lastSeqs.get(row.conversationId)! + 1;
    lastSeqs.set(row.conversationId, seq);
    return conversationEventValues(row.createdAt, row.conversationId, seq, { type: 'message.created', message: toPublicMessage(row) });
  });
  const notes = await storeAllExtras(connection, rows);

  const eventRows = events.map(({ values }) => values);
  const eventKeys = eventRows.map((row): IdKey => [row.conversationId, row.seq]);
  const eventsWritten = await runScript(connection, [
    insertRowsSql(conversationEvents, eventRows),
    ...idsSql('conversation_events', ['conversation_id', 'seq'], eventKeys),
    advanceSql(rows),
    'commit',
  ]);
  const eventIds = insertedIds(eventsWritten, eventKeys);

  const committed = rows.map((row, index): CommittedMessage => ({ row, event: { ...events[index]!.event, id: eventIds[index]! }, notes: notes[index]! }));
  let next = 0;
  return outcomes.map((outcome) => outcome ?? { ok: true, committed: committed[next++]! });
}

const writerKey = (conversationId: number, userId: number) => `${conversationId}:${userId}`;

type LockedRow = { id: number; lastSeq: number };
type WriterRow = { conversationId: number; userId: number; blocked: number };
/** A row's unique key of two columns, by which a batch's ids are read back. */
type IdKey = [number, number | string];

// The statements below are SQL text (insertRowsSql, sqlText): built by the query builder, the
// membership check alone took about 110 µs of CPU per transaction, and a batch of 100 messages
// spent about 15% of the server's CPU on building its inserts. They go in scripts: on this
// kind of machine a round trip to MariaDB costs the server 40 µs of CPU while the database is
// busy and 125–150 µs while it is idle (the write wakes it); a lone message took seven of
// them.

/** Runs `statements` as one script (one round trip) and returns each one's result, in order. */
async function runScript(connection: ScriptConnection, statements: string[]): Promise<unknown[]> {
  const [results] = await connection.query(statements.join(';\n'));
  return statements.length === 1 ? [results] : (results as unknown[]);
}

/** Locks the live conversations among `ids` (in id order) and reads their last seq. */
const lockSql = (ids: number[]) => sqlText('select id, last_seq as lastSeq from conversations where id in (?) and dissolved_at is null order by id for update', [ids]);

/**
 * Which senders are members of which of the conversations, and whether a block stands
 * between a sender and the other member of a direct conversation (only direct conversations
 * look for a peer: `and` stops before a group's members are read).
 */
const writersSql = (conversationIds: number[], senderIds: number[]) =>
  sqlText(
    `select m.conversation_id as conversationId, m.user_id as userId,
        (c.kind = 'direct' and exists (
          select 1 from conversation_members peer
          join blocks b on (b.blocker_id = m.user_id and b.blocked_id = peer.user_id) or (b.blocker_id = peer.user_id and b.blocked_id = m.user_id)
          where peer.conversation_id = m.conversation_id and peer.user_id <> m.user_id)) as blocked
      from conversation_members m join conversations c on c.id = m.conversation_id
      where m.conversation_id in (?) and m.user_id in (?)`,
    [conversationIds, senderIds],
  );

/**
 * The statement that reads back the ids of several inserted rows by their keys (a multi-row
 * insert's ids are not promised to be consecutive); none for a lone row, whose id is the insert's.
 */
const idsSql = (table: 'messages' | 'conversation_events', key: readonly [string, string], keys: IdKey[]) =>
  keys.length === 1 ? [] : [sqlText('select id, ?? as a, ?? as b from ?? where (??, ??) in (?)', [key[0], key[1], table, key[0], key[1], keys])];

/** The ids an insert gave its rows, in the order of `keys`, from the insert's result and the read-back's. */
function insertedIds(results: unknown[], keys: IdKey[]): number[] {
  const [inserted, readBack] = results as [{ insertId: number }, Array<{ id: number; a: number | string; b: number | string }>];
  if (keys.length === 1) return [Number(inserted.insertId)];
  const ids = new Map(readBack.map((row) => [`${String(row.a)}:${String(row.b)}`, Number(row.id)]));
  return keys.map(([a, b]) => {
    const id = ids.get(`${a}:${b}`);
    if (id === undefined) throw new Error(`row ${a}:${b} vanished inside its transaction`);
    return id;
  });
}

/** Each conversation's new last seq, last message and activity time, in one statement. */
function advanceSql(rows: TMessageRow[]): string {
  const last = new Map<number, TMessageRow>();
  const added = new Map<number, number>();
  for (const row of rows) {
    last.set(row.conversationId, row);
    added.set(row.conversationId, (added.get(row.conversationId) ?? 0) + 1);
  }
  const lastRows = [...last.values()];
  /** `case id when ? then ? … end`, and its values. */
  const byId = (value: (row: TMessageRow) => unknown): [string, unknown[]] => [
    `case id ${lastRows.map(() => 'when ? then ?').join(' ')} end`,
    lastRows.flatMap((row) => [row.conversationId, value(row)]),
  ];
  const [seqCase, seqValues] = byId((row) => added.get(row.conversationId)!);
  const [lastCase, lastValues] = byId((row) => row.id);
  const [activityCase, activityValues] = byId((row) => conversations.lastActivityAt.mapToDriverValue(row.createdAt));
  return sqlText(`update conversations set last_seq = last_seq + ${seqCase}, last_message_id = ${lastCase}, last_activity_at = ${activityCase} where id in (?)`, [
    ...seqValues,
    ...lastValues,
    ...activityValues,
    [...last.keys()],
  ]);
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
  await tx.insert(messageMentions).values(mentions.map((userId) => ({ messageId: row.id, userId, conversationId: row.conversationId, createdAt: row.createdAt })));
  const payload = { conversationId: row.conversationId, messageId: row.id, senderId: row.senderId, excerpt: (row.text ?? '').slice(0, 140) };
  return createNotifications(
    tx,
    row.createdAt,
    mentions.filter((userId) => userId !== row.senderId).map((userId) => ({ userId, type: 'mention' as const, payload })),
  );
}
