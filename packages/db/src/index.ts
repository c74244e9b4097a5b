export { createDb, closeDb, drizzleOn, ensureDatabase, openScriptPool, pingDb, type CreateDbOptions, type Db, type ScriptConnection, type ScriptPool } from './client';
export { insertRowsSql, sqlText } from './sql-text';
export { columnsReader, queryArrays, tableReader, type TableReader } from './row-reader';
export { migrate, migrationsFolder } from './migrate';
export * from './schema/index';
