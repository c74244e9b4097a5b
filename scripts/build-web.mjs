#!/usr/bin/env node
// Builds the web app (apps/web) when its build is missing or older than its sources, so that
// `npm start` serves a current app at `/`. Run through bootstrap (pnpm on PATH):
//
//   node scripts/bootstrap.mjs node scripts/build-web.mjs
//
// Only Node builtins: the decision is a comparison of modification times.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the build is made from, relative to the repository root (files or whole directories). */
export const WEB_INPUTS = ['apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/public', 'packages/client/src'];
export const WEB_BUILD_MARKER = 'apps/web/dist/index.html';

/** The newest modification time under a file or directory (0 when it does not exist). */
export function newestMtime(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why the build must be made again, or null when it is current. */
export function webBuildStaleness(repoRoot, inputs = WEB_INPUTS, marker = WEB_BUILD_MARKER) {
  const markerPath = join(repoRoot, marker);
  if (!existsSync(markerPath)) return `${marker} is missing`;
  const built = statSync(markerPath).mtimeMs;
  for (const input of inputs) {
    if (newestMtime(join(repoRoot, input)) > built) return `${input} changed since the last build`;
  }
  return null;
}

function main() {
  if (!existsSync(join(root, 'apps/web/package.json'))) {
    console.error('[build-web] apps/web does not exist: nothing to build, the server serves the API only');
    return 0;
  }
  const reason = webBuildStaleness(root);
  if (!reason) {
    console.error('[build-web] apps/web/dist is up to date');
    return 0;
  }
  console.error(`[build-web] building the web app (${reason})`);
  // Vite compiles the workspace packages from their TypeScript source (the `@chorus/source`
  // export condition in apps/web/vite.config.ts), so the client's own build is not needed.
  const result = spawnSync('pnpm', ['--filter', '@chorus/web', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(main());
