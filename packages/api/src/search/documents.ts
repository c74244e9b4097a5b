import { aiConversations, aiMessages, queryArrays, sqlText, type Db, type TSearchQueueKind } from '@chorus/db';
import { eq, inArray } from 'drizzle-orm';
import { aiRowSql, messageRowSql } from './engine';
import { fold } from './fold';

/**
 * Each queue kind's indexing: read the current rows of the ids, write the index rows of those
 * that are searchable, remove the others'. Idempotent: it never looks at what changed.
 */
export const indexers: Record<TSearchQueueKind, (db: Db, ids: number[]) => Promise<void>> = {
  message: indexMessages,
  ai_message: indexAiMessages,
  ai_title: indexAiTitles,
};

/** Folded text, or '' when there is nothing to search. */
const bodyOf = (text: string | null | undefined) => fold(text ?? '').trim();

// SQL text and only the columns needed: the indexer runs beside the sends it follows, and the
// query builder's row mapping was a visible share of its CPU.
const MESSAGES_SELECT =
  'select id, conversation_id, sender_id, kind, text, attachment is not null, created_at, edited_at, deleted_at is not null from messages where id in (?)';
/** A datetime(3) column read as text (queryArrays), which the driver wrote in UTC. */
const utc = (value: unknown) => (value === null ? null : new Date(`${(value as string).replace(' ', 'T')}Z`));

async function indexMessages(db: Db, ids: number[]): Promise<void> {
  const rows = await queryArrays(db.$client, sqlText(MESSAGES_SELECT, [ids]));
  const values: string[] = [];
  const kept = new Set<number>();
  for (const [id, conversationId, senderId, kind, text, hasAttachment, createdAt, editedAt, deleted] of rows) {
    const body = kind === 'system' || Number(deleted) ? '' : bodyOf(text as string | null);
    if (!body) continue;
    kept.add(Number(id));
    values.push(
      messageRowSql({
        id: Number(id),
        conversationId: Number(conversationId),
        senderId: Number(senderId),
        kind: String(kind),
        hasAttachment: Number(hasAttachment) === 1,
        createdAt: utc(createdAt)!,
        editedAt: utc(editedAt),
        body,
      }),
    );
  }
  await write(
    db,
    'message_search (message_id, conversation_id, scope, sender_id, kind, has_attachment, created_ms, text_version, body)',
    'text_version = values(text_version), body = values(body)',
    values,
  );
  const removed = ids.filter((id) => !kept.has(id));
  if (removed.length > 0) await db.$client.query(sqlText('delete from message_search where message_id in (?)', [removed]));
}

/** Finished AI messages (a streaming answer is indexed when it ends: finalize queues it again). */
async function indexAiMessages(db: Db, ids: number[]): Promise<void> {
  const rows = await db
    .select({ message: aiMessages, userId: aiConversations.userId })
    .from(aiMessages)
    .innerJoin(aiConversations, eq(aiConversations.id, aiMessages.conversationId))
    .where(inArray(aiMessages.id, ids));
  const values: string[] = [];
  const kept = new Set<number>();
  for (const { message, userId } of rows) {
    const body = message.status === 'streaming' ? '' : bodyOf(message.content);
    if (!body) continue;
    kept.add(message.id);
    values.push(aiRowSql({ docId: `m${message.id}`, userId, conversationId: message.conversationId, messageId: message.id, sortAt: message.createdAt, body }));
  }
  await write(db, 'ai_search (doc_id, user_id, conversation_id, message_id, sort_at, body)', 'body = values(body)', values);
  await removeAi(
    db,
    ids.filter((id) => !kept.has(id)).map((id) => `m${id}`),
  );
}

async function indexAiTitles(db: Db, ids: number[]): Promise<void> {
  const rows = await db.select().from(aiConversations).where(inArray(aiConversations.id, ids));
  const values: string[] = [];
  const kept = new Set<number>();
  for (const row of rows) {
    const body = bodyOf(row.title);
    if (!body) continue;
    kept.add(row.id);
    values.push(aiRowSql({ docId: `t${row.id}`, userId: row.userId, conversationId: row.id, messageId: 0, sortAt: row.createdAt, body }));
  }
  await write(db, 'ai_search (doc_id, user_id, conversation_id, message_id, sort_at, body)', 'body = values(body)', values);
  await removeAi(
    db,
    ids.filter((id) => !kept.has(id)).map((id) => `t${id}`),
  );
}

async function write(db: Db, into: string, update: string, values: string[]): Promise<void> {
  if (values.length > 0) await db.$client.query(`insert into ${into} values ${values.join(', ')} on duplicate key update ${update}`);
}

async function removeAi(db: Db, docIds: string[]): Promise<void> {
  if (docIds.length > 0) await db.$client.query(sqlText('delete from ai_search where doc_id in (?)', [docIds]));
}
