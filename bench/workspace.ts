// bench/ is not a workspace package (pnpm-workspace.yaml lists apps/* and packages/* only) and the
// root package.json does not depend on @chorus/*, ws or pino, so bare specifiers do not resolve
// from here. Every workspace import goes through this one file; once bench/ becomes a package
// with its own dependencies, only these paths change to '@chorus/…'.
export { systemClock, type AppDeps } from '../packages/api/src/index';
export { closeChorusClient, type ChorusClient } from '../packages/client/src/index';
export { closeDb, createDb, ensureDatabase, migrate } from '../packages/db/src/index';
export { startMariaDb, startRedis, type LocalService } from '../packages/local-services/src/index';
export { createRedis } from '../apps/server/src/infrastructure';
export { createLogger } from '../apps/server/src/logger';
export { startServer, type RunningServer } from '../apps/server/src/server';
// The project's own "real client with ws" helper (no vitest import in that file).
export { createTestClient as createBenchClient } from '../packages/testing/src/client';
export { repoRoot } from '../packages/testing/src/paths';
