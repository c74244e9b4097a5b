// A web stack for scripts outside the test runner (measure.ts, screenshots.ts): private MariaDB
// and Redis under .data/<name>/, a real server serving the built app, and Chromium; all removed
// by `close()`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createScratchDatabase } from '@chorus/db/testing';
import { startMariaDb, startRedis } from '@chorus/local-services';
import { launchBrowser, repoRoot, type Browser } from '@chorus/testing';
import { buildWeb, serveWebStack, WEB_DIST_DIR, type WebStack } from '../test/harness';

export interface ScriptStack {
  stack: WebStack;
  browser: Browser;
  /** Runs at close, before the stack's own cleanups (newest first). */
  defer: (cleanup: () => Promise<unknown>) => void;
  close: () => Promise<void>;
}

export async function startScriptStack(name: string, log: (line: string) => void): Promise<ScriptStack> {
  await buildWeb();
  const dataDir = join(repoRoot, '.data', name, `run-${process.pid}`);
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  };
  try {
    const [mariadb, redis] = await Promise.all([startMariaDb({ dataDir }), startRedis({ dataDir })]);
    cleanups.push(
      () => mariadb.stop(),
      () => redis.stop(),
    );
    const database = await createScratchDatabase(mariadb.url);
    cleanups.push(() => database.drop());
    const stack = await serveWebStack({ webRoot: WEB_DIST_DIR, database, redisUrl: redis.url });
    cleanups.push(() => stack.stop());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    return { stack, browser, defer: (cleanup) => cleanups.push(cleanup), close };
  } catch (error) {
    await close();
    throw error;
  }
}
