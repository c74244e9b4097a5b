import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_WEB_DIST_DIR } from './env';

/**
 * The directory of the built web app to serve at `/`, or undefined for the API alone: when
 * WEB_DIST_DIR is set empty, or the build is missing (then a warning says how to make it).
 */
export function findWebRoot(dir: string, logger: Logger): string | undefined {
  if (dir === '') {
    logger.info('WEB_DIST_DIR is empty: serving the API only');
    return undefined;
  }
  const root = path.resolve(dir);
  if (existsSync(path.join(root, 'index.html'))) return root;
  const hint =
    root === path.resolve(DEFAULT_WEB_DIST_DIR)
      ? 'build it with `pnpm --filter @chorus/web build` (`npm start` does so by itself)'
      : 'point WEB_DIST_DIR at a Vite build (a directory with index.html), or set it empty';
  logger.warn({ webRoot: root }, `no web app at ${root} (index.html missing): serving the API only; ${hint}`);
  return undefined;
}
