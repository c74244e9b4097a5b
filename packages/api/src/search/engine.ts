import { sqlText } from '@chorus/db';
import type { ParsedQuery } from './query';

/** What chat.search asks of the index besides the query: the caller's scope and the filters. */
export interface ChatFilters {
  /** The conversations to search, each from just above its history floor (message id; 0: all). */
  scope: ReadonlyArray<{ conversationId: number; floor: number }>;
  /**
   * The engine may also return matches at or below a conversation's floor, which the caller then
   * drops: Mroonga searches every conversation in one query part instead of one part per floor.
   */
  looseFloors?: boolean | undefined;
  fromUserId?: number | undefined;
  kind?: string | undefined;
  hasAttachment?: boolean | undefined;
  /** Send time bounds, exclusive, in ms since the epoch. */
  beforeMs?: number | undefined;
  afterMs?: number | undefined;
  /** Only ids below this (paging). */
  beforeId?: number | undefined;
}

/**
 * What a search engine is to the rest of search: the DDL of the index tables (`message_search`
 * for chat, `ai_search` for AI conversations), and the statement on `message_search` that
 * selects a page of a query's matches within the filters. Rows, folding, parsing, visibility and
 * snippets are shared.
 */
export interface SearchEngine {
  readonly name: 'mroonga' | 'ngram';
  /** `create table if not exists …` for each index table. */
  readonly createTables: readonly string[];
  /**
   * The SELECT of a chat search on `message_search`: columns `id` (message_id) and `version`
   * (text_version) of the newest `limit` matches within the filters, newest first (SQL text).
   */
  chatQuery(query: ParsedQuery, filters: ChatFilters, limit: number): string;
  /** The full-text condition of an AI search on `ai_search s` (SQL text). */
  aiCondition(query: ParsedQuery): string;
}

/**
 * Chat messages: one row per searchable message, its text folded (fold.ts). `scope` is
 * `c<conversation id>` (Mroonga indexes it as a token); searches no longer read it (an OR of
 * 50 conversations' tokens cost more than the query itself, mroonga.ts), it is kept so existing
 * tables need no rebuild. `text_version` is the time of the text
 * indexed (ms; the last edit's, else the send's): a search uses a row only while it equals the
 * message's, so an edit not yet indexed never finds the message by its old text.
 */
export const MESSAGE_COLUMNS = `message_id bigint unsigned not null primary key,
  conversation_id bigint unsigned not null,
  scope varchar(24) not null,
  sender_id bigint unsigned not null,
  kind varchar(16) not null,
  has_attachment tinyint not null,
  created_ms bigint not null,
  text_version bigint not null,
  body text not null`;

/**
 * AI conversations: a row per finished message (`doc_id` 'm<id>') and per title ('t<conversation
 * id>', message_id 0); `sort_at` orders results (a message's time, a conversation's creation).
 */
export const AI_COLUMNS = `doc_id varchar(24) not null primary key,
  user_id bigint unsigned not null,
  conversation_id bigint unsigned not null,
  message_id bigint unsigned not null,
  sort_at datetime(3) not null,
  body mediumtext not null`;

/** A chat message's index row values, in MESSAGE_COLUMNS order, as SQL text. */
export function messageRowSql(row: {
  id: number;
  conversationId: number;
  senderId: number;
  kind: string;
  hasAttachment: boolean;
  createdAt: Date;
  editedAt: Date | null;
  body: string;
}): string {
  return sqlText('(?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    row.id,
    row.conversationId,
    `c${row.conversationId}`,
    row.senderId,
    row.kind,
    row.hasAttachment ? 1 : 0,
    row.createdAt.getTime(),
    textVersion(row),
    row.body,
  ]);
}

/** The version of a message's text: its last edit's time, else its send's (ms). */
export const textVersion = (row: { createdAt: Date; editedAt: Date | null }) => (row.editedAt ?? row.createdAt).getTime();

/** An AI document's index row values, in AI_COLUMNS order, as SQL text. */
export function aiRowSql(row: { docId: string; userId: number; conversationId: number; messageId: number; sortAt: Date; body: string }): string {
  return sqlText('(?, ?, ?, ?, ?, ?)', [row.docId, row.userId, row.conversationId, row.messageId, date(row.sortAt), row.body]);
}

/** A date as a datetime(3) column takes it: UTC, as the driver writes dates. */
export const date = (value: Date) => value.toISOString().slice(0, 23).replace('T', ' ');
