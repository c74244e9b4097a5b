export type { LocalService } from './service.js';
export type { ServiceKind } from './binaries.js';
export { ensureBinaries, MissingBinariesError, findBinary } from './binaries.js';
export { startMariaDb, MARIADB_USER, MARIADB_PASSWORD } from './mariadb.js';
export { startRedis } from './redis.js';
