export { createDb, closeDb, ensureDatabase, pingDb, type CreateDbOptions, type Db } from './client';
export { insertRowsSql } from './insert-rows';
export { migrate, migrationsFolder } from './migrate';
export * from './schema/index';
