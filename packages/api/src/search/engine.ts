import { messages, sqlText, type Db } from '@chorus/db';

/**
 * What a search engine is to the rest of search: the DDL of the index tables (`message_search`
 * for chat, `ai_search` for AI conversations), which differ between engines only in their
 * full-text index. Both engines read the same boolean-mode query (query.ts booleanModeQuery)
 * and store the same rows.
 */
export interface SearchEngine {
  readonly name: 'mroonga' | 'ngram';
  /** `create table if not exists …` for each index table. */
  readonly createTables: readonly string[];
}

/**
 * Chat messages: one row per searchable message, its text folded (fold.ts). `text_version` is
 * the time of the text indexed (the last edit's, else the send's; Mroonga stores no NULL
 * dates): a search uses a row only while it equals the message's, so an edit not yet indexed
 * never finds the message by its old text.
 */
const MESSAGE_COLUMNS = `message_id bigint unsigned not null primary key,
  conversation_id bigint unsigned not null,
  sender_id bigint unsigned not null,
  kind varchar(16) not null,
  has_attachment tinyint not null,
  created_at datetime(3) not null,
  text_version datetime(3) not null,
  body text not null,
  key message_search_conversation (conversation_id, message_id)`;

/**
 * AI conversations: a row per finished message (`doc_id` 'm<id>') and per title ('t<conversation
 * id>', message_id 0); `sort_at` orders results (a message's time, a conversation's creation).
 */
const AI_COLUMNS = `doc_id varchar(24) not null primary key,
  user_id bigint unsigned not null,
  conversation_id bigint unsigned not null,
  message_id bigint unsigned not null,
  sort_at datetime(3) not null,
  body mediumtext not null,
  key ai_search_user (user_id, sort_at)`;

const tables = (fullText: string, options: string) => [
  `create table if not exists message_search (${MESSAGE_COLUMNS},\n  fulltext index message_search_body (body) ${fullText}\n) ${options}`,
  `create table if not exists ai_search (${AI_COLUMNS},\n  fulltext index ai_search_body (body) ${fullText}\n) ${options}`,
];

/**
 * Mroonga (MariaDB): TokenBigram splits runs of Chinese, Japanese or Korean characters into
 * overlapping pairs, so a word is found inside a sentence without spaces, while Latin words and
 * numbers stay whole tokens; NormalizerAuto folds case and width again on Groonga's side.
 * Storage mode: the tables are Mroonga's own (not wrappers around InnoDB).
 */
export const mroongaEngine: SearchEngine = {
  name: 'mroonga',
  createTables: tables(`comment 'tokenizer "TokenBigram", normalizer "NormalizerAuto"'`, 'engine=Mroonga default charset=utf8mb4'),
};

/**
 * MySQL 8: InnoDB FULLTEXT with the ngram parser (ngram_token_size 2, the server's default,
 * gives the same bigrams). The text is folded already, so the binary collation need not fold.
 */
export const ngramEngine: SearchEngine = {
  name: 'ngram',
  createTables: tables('with parser ngram', 'engine=InnoDB default charset=utf8mb4 collate utf8mb4_bin'),
};

export type EngineChoice = { engine: SearchEngine; reason: string } | { engine: null; reason: string };

/**
 * The engine this database server offers: Mroonga when its plugin is active (MariaDB),
 * InnoDB ngram on MySQL 8 or later; otherwise none, and `reason` says why.
 */
export async function detectEngine(db: Db): Promise<EngineChoice> {
  const [rows] = await db.$client.query('select version() as version');
  const version = String((rows as Array<{ version: string }>)[0]?.version ?? '');
  if (/mariadb/i.test(version)) {
    const [plugins] = await db.$client.query("select plugin_status as status from information_schema.plugins where plugin_name = 'Mroonga'");
    const status = (plugins as Array<{ status: string }>)[0]?.status;
    if (status === 'ACTIVE') return { engine: mroongaEngine, reason: `MariaDB ${version} with Mroonga` };
    return {
      engine: null,
      reason: `MariaDB ${version} without the Mroonga plugin (install mariadb-plugin-mroonga and start the server with --plugin-load-add=ha_mroonga.so)`,
    };
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? 0);
  if (major >= 8) return { engine: ngramEngine, reason: `MySQL ${version}: InnoDB FULLTEXT with the ngram parser` };
  return { engine: null, reason: `${version || 'this server'} has neither Mroonga nor the ngram full-text parser` };
}

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
  return sqlText('(?, ?, ?, ?, ?, ?, ?, ?)', [
    row.id,
    row.conversationId,
    row.senderId,
    row.kind,
    row.hasAttachment ? 1 : 0,
    date(row.createdAt),
    date(row.editedAt ?? row.createdAt),
    row.body,
  ]);
}

/** An AI document's index row values, in AI_COLUMNS order, as SQL text. */
export function aiRowSql(row: { docId: string; userId: number; conversationId: number; messageId: number; sortAt: Date; body: string }): string {
  return sqlText('(?, ?, ?, ?, ?, ?)', [row.docId, row.userId, row.conversationId, row.messageId, date(row.sortAt), row.body]);
}

/** A date as the driver writes a datetime(3) column (UTC). */
export const date = (value: Date) => messages.createdAt.mapToDriverValue(value);
