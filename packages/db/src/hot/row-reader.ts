import { getTableColumns } from 'drizzle-orm';
import type { MySqlColumn, MySqlTable } from 'drizzle-orm/mysql-core';
import { escapeId, type Pool, type TypeCast } from 'mysql2/promise';
import { columnSqlName } from './sql-text';

/**
 * Reads a table's rows from SQL text, mapped as the query builder maps them, for hot reads.
 * The builder checks every column of every row for its kind (`is()`, a prototype walk) when it
 * maps a result: on a page of 50 messages that and building the statement were about 14% of
 * the server's CPU for the call. Here the columns are listed once per table, and each value goes
 * through its own column's `mapFromDriverValue`, the builder's own conversion.
 */
export interface TableReader<T extends MySqlTable> {
  /** The table's columns as a select list, each qualified by `alias` (`m`.`id`, …), in the order `read` expects. */
  selectList(alias: string): string;
  /** A row selected with `selectList` (as an array, see queryArrays), its columns starting at `offset`. */
  read(row: readonly unknown[], offset?: number): T['$inferSelect'];
  /** How many values of a row `read` takes. */
  width: number;
}

export function tableReader<T extends MySqlTable>(table: T): TableReader<T> {
  const columns = Object.entries(getTableColumns(table)) as Array<[string, MySqlColumn]>;
  const names = columns.map(([, column]) => columnSqlName(column));
  return {
    width: columns.length,
    selectList: (alias) => names.map((name) => `${escapeId(alias)}.${name}`).join(', '),
    read: (row, offset = 0) => readColumns(columns, row, offset),
  };
}

/**
 * Like tableReader, for chosen columns of several tables: each `[key, alias, column]` is selected
 * as `alias`.column and read into `key` by that column's mapping.
 */
export function columnsReader<K extends string>(
  columns: ReadonlyArray<readonly [K, string, MySqlColumn]>,
): {
  selectList: string;
  width: number;
  read(row: readonly unknown[], offset?: number): Record<K, unknown>;
} {
  const keyed = columns.map(([key, , column]) => [key, column] as const);
  return {
    width: columns.length,
    selectList: columns.map(([, alias, column]) => `${escapeId(alias)}.${columnSqlName(column)}`).join(', '),
    read: (row, offset = 0) => readColumns(keyed, row, offset),
  };
}

/** `row` from `offset` on, each value mapped by its column as the query builder maps it. */
function readColumns<K extends string>(columns: ReadonlyArray<readonly [K, MySqlColumn]>, row: readonly unknown[], offset: number): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (let i = 0; i < columns.length; i++) {
    const [key, column] = columns[i]!;
    const value = row[offset + i];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out;
}

/** Dates as text, for the columns to parse: what drizzle's mysql2 driver asks of mysql2. */
const datesAsText: TypeCast = (field, next) => (field.type === 'TIMESTAMP' || field.type === 'DATETIME' || field.type === 'DATE' ? field.string() : next());

/** Runs a SELECT given as SQL text (see sqlText), each row an array of its values. */
export async function queryArrays(pool: Pool, query: string): Promise<unknown[][]> {
  const [rows] = await pool.query({ sql: query, rowsAsArray: true, typeCast: datesAsText });
  return rows as unknown[][];
}
