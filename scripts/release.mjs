#!/usr/bin/env node
// Makes the self-contained production bundle of Chorus: the server with its production
// dependencies only, and the built web app. The Dockerfile runs exactly this, and so does the
// test that starts the bundle (deploy/test/release.test.ts). Run through bootstrap (pnpm on PATH):
//
//   node scripts/bootstrap.mjs node scripts/release.mjs <out-dir>
//
// Layout of <out-dir>, the same as the repository's so the server's defaults hold:
//   apps/server/         package.json, src/, node_modules/ (`pnpm deploy --prod`)
//   apps/web/dist/       the web app, served at / (WEB_DIST_DIR's default)
//   tsconfig.base.json   what apps/server/tsconfig.json extends
//   release.json         the commit it was made from
// Start it with `node --import tsx src/main.ts` in apps/server (tsx is a production
// dependency: docs/decisions/0039-production-runs-typescript-with-tsx.md).
//
// Only Node builtins: it runs before anything but the workspace install exists.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv[2];
if (!outArg) {
  console.error('usage: node scripts/bootstrap.mjs node scripts/release.mjs <out-dir>');
  process.exit(2);
}
const out = resolve(outArg);
if (out === resolve(root) || resolve(root).startsWith(`${out}/`)) {
  console.error(`[release] refusing to replace ${out}: it holds the repository`);
  process.exit(2);
}

function run(cmd, args) {
  console.error(`[release] ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// 1. The web app, built only when its sources changed since the last build.
run(process.execPath, [join(root, 'scripts/build-web.mjs')]);
const webDist = join(root, 'apps/web/dist');
if (!existsSync(join(webDist, 'index.html'))) {
  console.error('[release] apps/web/dist/index.html is missing after the build');
  process.exit(1);
}

// 2. The server and its production dependencies, with the versions of the lockfile and the
// workspace's patches applied. `--legacy`: the workspace links its packages instead of
// injecting them, which the newer deploy requires.
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'apps'), { recursive: true });
run('pnpm', ['--filter', '@chorus/server', '--prod', 'deploy', '--legacy', join(out, 'apps/server')]);
// The server's tests are not part of a release.
rmSync(join(out, 'apps/server/test'), { recursive: true, force: true });

// 3. The web app beside it, where WEB_DIST_DIR points by default.
cpSync(webDist, join(out, 'apps/web/dist'), { recursive: true });
// apps/server/tsconfig.json extends it: tsx compiles with the same settings as in the workspace.
cpSync(join(root, 'tsconfig.base.json'), join(out, 'tsconfig.base.json'));

// CHORUS_COMMIT: for builds without .git (the Dockerfile's build argument).
const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
const commit = process.env.CHORUS_COMMIT || (git.status === 0 ? git.stdout.trim() : 'unknown');
const version = { commit, builtAt: new Date().toISOString() };
writeFileSync(join(out, 'release.json'), `${JSON.stringify(version, null, 2)}\n`);
console.error(`[release] bundle ready in ${out}`);
