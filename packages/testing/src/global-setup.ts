// Vitest global setup: one MariaDB server for the whole run (each test file makes its own
// database on it), started privately unless DATABASE_URL points at one. Debian's Chromium for the
// browser tests and the tools deploy/test checks its files with are installed here too, once,
// before parallel test files could race apt-get.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries, startMariaDb, type LocalService } from '@chorus/local-services';
import type { TestProject } from 'vitest/node';
import { dropDatabaseTemplate, makeDatabaseTemplate, type DatabaseTemplate } from './database-template';
import { repoRoot } from './paths';
import { makeTestTls } from './test-tls';

declare module 'vitest' {
  export interface ProvidedContext {
    /** mysql://user:pass@host:port with no database; may create databases. */
    mariadbServerUrl: string;
    /** Where test files put their private Redis servers and scratch files. */
    testDataDir: string;
    /** The migrated database on that server that test databases are copied from. */
    databaseTemplate: DatabaseTemplate;
  }
}

export default async function setup(project: TestProject) {
  // One directory (and MariaDB) per vitest project: the projects' setups run side by side.
  const testDataDir = join(repoRoot, '.data', 'test', `run-${process.pid}-${project.name || 'root'}`);
  const log = (msg: string) => console.log(`[local-services] ${msg}`);
  // Prometheus (with promtool) for the metrics tests, installed like the rest.
  await ensureBinaries(process.env.REDIS_URL ? ['mariadb', 'prometheus', 'chromium'] : ['mariadb', 'redis', 'prometheus', 'chromium'], log);
  // Where they cannot be installed (not root), only the deploy/test files fail, naming the packages.
  await ensureBinaries(['docker-compose', 'caddy', 'go-templates'], log).catch((error: unknown) =>
    log(`deployment checks will fail: ${error instanceof Error ? error.message : String(error)}`),
  );

  let mariadb: LocalService | undefined;
  let serverUrl: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '';
    serverUrl = url.toString().replace(/\/$/, '');
  } else {
    mariadb = await startMariaDb({ dataDir: join(testDataDir, 'shared'), log });
    serverUrl = mariadb.url;
  }
  project.provide('mariadbServerUrl', serverUrl);
  const template = await makeDatabaseTemplate(serverUrl);
  project.provide('databaseTemplate', template);
  project.provide('testDataDir', testDataDir);
  project.provide('testTls', await makeTestTls());

  return async () => {
    if (mariadb) await mariadb.stop();
    else await dropDatabaseTemplate(serverUrl, template);
    rmSync(testDataDir, { recursive: true, force: true });
  };
}
