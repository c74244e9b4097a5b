import { sqlText } from '@chorus/db';
import { AI_COLUMNS, MESSAGE_COLUMNS, type ChatFilters, type SearchEngine } from './engine';
import type { ParsedQuery, QueryTerm } from './query';

/** A string literal of Groonga's script and query syntaxes: only `"` and `\` are special inside. */
const literal = (text: string) => `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;

/**
 * The query in Groonga's query syntax (as `query()` reads it): every term quoted, so no
 * character of the user's acts as an operator; terms are ANDed, `-` excludes.
 */
function groongaQuery(query: ParsedQuery): string {
  const quoted = (term: QueryTerm) => literal(term.text);
  return [...query.include.map(quoted), ...query.exclude.map((term) => `-${quoted(term)}`)].join(' ');
}

/** Conversation ids per `in_values` call: Groonga's expression stack is small (3,000 crashed the server, 1,000 did not). */
const IN_VALUES_CHUNK = 500;

/**
 * Mroonga (MariaDB): TokenBigram splits runs of Chinese, Japanese or Korean characters into
 * overlapping pairs, so a word is found inside a sentence without spaces, while Latin words and
 * numbers stay whole tokens; NormalizerAuto folds case and width again on Groonga's side.
 * Storage mode: the tables are Mroonga's own (not wrappers around InnoDB).
 *
 * A chat search is one MATCH … AGAINST in script syntax (`*SS`) per part of the caller's scope,
 * each with the query, the filters and `order by message_id desc limit n` (Mroonga then sorts and
 * limits inside Groonga, "fast order limit"), joined by UNION ALL. The query comes first and uses
 * the body index; every other condition is a plain `&&` on unindexed columns, which Groonga
 * evaluates on the query's hits only, so a page costs in proportion to the hits. Conditions
 * Groonga cannot evaluate that way are avoided: an OR of conversations (`scope @ …` tokens, or
 * `conversation_id == …` terms) read or scanned far more than the hits, so the conversations
 * without a floor are one `in_values(conversation_id, …)` and each conversation with a floor
 * (a room hiding earlier history) is a part of its own, unless the caller takes `looseFloors`
 * (then it is in the `in_values` too, and the caller drops its matches below the floor). The same conditions written in SQL
 * beside the MATCH made MariaDB read every match (0.5 s for 60,000 of 300,000 rows).
 */
export const mroongaEngine: SearchEngine = {
  name: 'mroonga',
  createTables: [
    `create table if not exists message_search (${MESSAGE_COLUMNS},
  fulltext index message_search_body (body) comment 'tokenizer "TokenBigram", normalizer "NormalizerAuto"',
  fulltext index message_search_scope (scope) comment 'tokenizer "TokenDelimit"'
) engine=Mroonga default charset=utf8mb4`,
    `create table if not exists ai_search (${AI_COLUMNS},
  fulltext index ai_search_body (body) comment 'tokenizer "TokenBigram", normalizer "NormalizerAuto"'
) engine=Mroonga default charset=utf8mb4`,
  ],
  chatQuery(query, filters, limit) {
    const common = [`query("body", ${literal(groongaQuery(query))})`];
    if (filters.fromUserId !== undefined) common.push(`sender_id == ${filters.fromUserId}`);
    if (filters.kind !== undefined) common.push(`kind == ${literal(filters.kind)}`);
    if (filters.hasAttachment !== undefined) common.push(`has_attachment == ${filters.hasAttachment ? 1 : 0}`);
    if (filters.beforeMs !== undefined) common.push(`created_ms < ${filters.beforeMs}`);
    if (filters.afterMs !== undefined) common.push(`created_ms > ${filters.afterMs}`);
    if (filters.beforeId !== undefined) common.push(`message_id < ${filters.beforeId}`);
    const parts = scopeScripts(filters).map((scope) => {
      const condition = sqlText('match(s.body) against (? in boolean mode)', [`*SS ${[...common, scope].join(' && ')}`]);
      return `select s.message_id as id, s.text_version as version from message_search s where ${condition} order by s.message_id desc limit ${limit}`;
    });
    if (parts.length === 0) return 'select s.message_id as id, s.text_version as version from message_search s where false';
    return parts.length === 1 ? parts[0]! : `${parts.map((part) => `(${part})`).join(' union all ')} order by id desc limit ${limit}`;
  },
  aiCondition(query) {
    return sqlText('match(s.body) against (? in boolean mode)', [`*SS query("body", ${literal(groongaQuery(query))})`]);
  },
};

/**
 * The caller's conversations, one script condition per part of the search (see above). With
 * `looseFloors` the floored conversations join the others' `in_values` and their matches at or
 * below the floor are left for the caller to drop. A conversation whose floor leaves nothing
 * below `beforeId` is not searched at all.
 */
function scopeScripts({ scope, looseFloors, beforeId }: ChatFilters): string[] {
  const live = scope.filter(({ floor }) => beforeId === undefined || floor + 1 < beforeId);
  const exact = looseFloors ? [] : live.filter(({ floor }) => floor > 0);
  const open = live.filter((entry) => !exact.includes(entry)).map(({ conversationId }) => conversationId);
  const chunks = Array.from({ length: Math.ceil(open.length / IN_VALUES_CHUNK) }, (_, i) => open.slice(i * IN_VALUES_CHUNK, (i + 1) * IN_VALUES_CHUNK));
  return [
    ...chunks.map((ids) => `in_values(conversation_id, ${ids.join(', ')})`),
    ...exact.map(({ conversationId, floor }) => `conversation_id == ${conversationId} && message_id > ${floor}`),
  ];
}
