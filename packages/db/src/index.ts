export { createDb, closeDb, ensureDatabase, pingDb, type CreateDbOptions, type Db } from './client';
export { insertRowsSql, sqlText } from './sql-text';
export { migrate, migrationsFolder } from './migrate';
export * from './schema/index';
