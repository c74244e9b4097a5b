import { sqlText } from '@chorus/db';
import { AI_COLUMNS, MESSAGE_COLUMNS, type SearchEngine } from './engine';
import { booleanModeQuery } from './query';

/**
 * MySQL 8: InnoDB FULLTEXT with the ngram parser (ngram_token_size 2, the server's default,
 * gives the same bigrams as Mroonga's TokenBigram for CJK). The text is folded already, so the
 * binary collation need not fold. Filters are plain SQL beside the MATCH.
 */
export const ngramEngine: SearchEngine = {
  name: 'ngram',
  createTables: [
    `create table if not exists message_search (${MESSAGE_COLUMNS},
  key message_search_conversation (conversation_id, message_id),
  fulltext index message_search_body (body) with parser ngram
) engine=InnoDB default charset=utf8mb4 collate utf8mb4_bin`,
    `create table if not exists ai_search (${AI_COLUMNS},
  fulltext index ai_search_body (body) with parser ngram
) engine=InnoDB default charset=utf8mb4 collate utf8mb4_bin`,
  ],
  chatQuery(query, filters, limit) {
    const scope = filters.scope.map(({ conversationId, floor }) => sqlText('(s.conversation_id = ? and s.message_id > ?)', [conversationId, floor]));
    const conditions = [sqlText('match(s.body) against (? in boolean mode)', [booleanModeQuery(query)]), `(${scope.join(' or ')})`];
    if (filters.fromUserId !== undefined) conditions.push(sqlText('s.sender_id = ?', [filters.fromUserId]));
    if (filters.kind !== undefined) conditions.push(sqlText('s.kind = ?', [filters.kind]));
    if (filters.hasAttachment !== undefined) conditions.push(sqlText('s.has_attachment = ?', [filters.hasAttachment ? 1 : 0]));
    if (filters.beforeMs !== undefined) conditions.push(sqlText('s.created_ms < ?', [filters.beforeMs]));
    if (filters.afterMs !== undefined) conditions.push(sqlText('s.created_ms > ?', [filters.afterMs]));
    if (filters.beforeId !== undefined) conditions.push(sqlText('s.message_id < ?', [filters.beforeId]));
    return `select s.message_id as id, s.text_version as version from message_search s where ${conditions.join(' and ')} order by s.message_id desc limit ${limit}`;
  },
  aiCondition(query) {
    return sqlText('match(s.body) against (? in boolean mode)', [booleanModeQuery(query)]);
  },
};
