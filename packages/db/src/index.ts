export {
  createDb,
  closeDb,
  drizzleOn,
  ensureDatabase,
  openScriptPool,
  pingDb,
  type CreateDbOptions,
  type Db,
  type ScriptConnection,
  type ScriptPool,
} from './client';
export * from './hot/index';
export { migrate, migrationsFolder } from './migrate';
export * from './schema/index';
