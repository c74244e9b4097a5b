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
export { DatabaseBusyError, TRANSACTION_ATTEMPTS, isBusy, isRetryableConflict, retryTransaction } from './transaction-retry';
export * from './schema/index';
