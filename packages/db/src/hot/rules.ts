import { and, eq, inArray, isNull, or, type Column, type SQL, type SQLWrapper } from 'drizzle-orm';
import { MySqlDialect } from 'drizzle-orm/mysql-core';
import { blocks } from '../schema/friends';

/**
 * The rules that both the services (through the query builder) and the hot SQL text
 * (through `ruleText`) apply, written once as query-builder conditions. Users are given by id,
 * by ids (any of them), or by a column (`sql.raw('m.user_id')` in SQL text).
 */
type Users = number | readonly number[] | SQLWrapper;

const userIs = (column: Column, users: Users) => (Array.isArray(users) ? inArray(column, users) : eq(column, users as number | SQLWrapper));

/** A row of `blocks` where `blocker` blocked `blocked`. */
export function blockedBy(blocker: Users, blocked: Users): SQL {
  return and(userIs(blocks.blockerId, blocker), userIs(blocks.blockedId, blocked))!;
}

/** A row of `blocks` where either side blocked the other: chat refuses messages both ways, calls too. */
export function blockBetween(a: Users, b: Users): SQL {
  return or(blockedBy(a, b), blockedBy(b, a))!;
}

/**
 * A conversation that was not dissolved: the only kind anyone is a member of, or may write to.
 * `table` is `conversations` or an alias of it.
 */
export function liveConversation(table: { dissolvedAt: Column }): SQL {
  return isNull(table.dissolvedAt);
}

const dialect = new MySqlDialect({ casing: 'snake_case' });

/**
 * A rule as SQL text, to put into a statement written by hand: rendered once, when a module
 * builds its statements, so hot paths pay nothing for it. Only rules over columns: a value
 * would be a `?` placeholder here, with nothing to fill it.
 */
export function ruleText(rule: SQL): string {
  const { sql, params } = dialect.sqlToQuery(rule);
  if (params.length > 0) throw new Error(`ruleText: the rule has values (${sql}); give it columns`);
  return sql;
}
