import { getTableColumns, getTableName } from 'drizzle-orm';
import { toSnakeCase } from 'drizzle-orm/casing';
import type { MySqlColumn, MySqlTable } from 'drizzle-orm/mysql-core';
import { escape, escapeId, format } from 'mysql2';

/**
 * A multi-row INSERT as SQL text, for hot paths (run it with `sql.raw`, or in a script). The
 * query builder spends a few microseconds on every value (about 15% of the server's CPU when
 * `chat.send` batches 100 messages); this maps each value by its column exactly as the
 * builder does (dates, JSON), then escapes it with mysql2, which is also how drizzle's mysql2
 * driver sends its own statements (client-side formatting). Columns are named as
 * `createDb`'s snake_case casing names them; a value left out takes the column's default, as
 * with the builder.
 */
export function insertRowsSql<T extends MySqlTable>(table: T, rows: ReadonlyArray<T['$inferInsert']>): string {
  if (rows.length === 0) throw new Error('insertRowsSql: no rows');
  const all = getTableColumns(table);
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((key) => all[key] !== undefined);
  const columns = keys.map((key) => all[key]!);
  const names = columns.map(columnSqlName).join(', ');
  const tuples = rows.map((row) => {
    const record = row as Record<string, unknown>;
    const values = columns.map((column, index) => {
      let value = record[keys[index]!];
      if (value === undefined && column.defaultFn) value = column.defaultFn();
      if (value === undefined) return 'default';
      return value === null ? 'null' : escape(column.mapToDriverValue(value) as Parameters<typeof escape>[0]);
    });
    return `(${values.join(', ')})`;
  });
  return `insert into ${escapeId(getTableName(table))} (${names}) values ${tuples.join(', ')}`;
}

/** A column's name in SQL, quoted, as `createDb`'s snake_case casing names it. */
export function columnSqlName(column: MySqlColumn): string {
  return escapeId(column.keyAsName ? toSnakeCase(column.name) : column.name);
}

/**
 * A statement as SQL text, its `?` placeholders filled by mysql2 (an array becomes a list, an
 * array of arrays a list of tuples), for hot paths where the query builder's cost shows. Values
 * go in as mysql2 takes them: numbers and strings; map dates and JSON by their column first.
 */
export function sqlText(query: string, values: unknown[]): string {
  return format(query, values as Parameters<typeof format>[1]);
}
