#!/usr/bin/env node
// Runs a workspace command on a machine that may have nothing but Node and npm.
//
//   node scripts/bootstrap.mjs <command> [args...]
//
// 1. Finds pnpm (the version pinned in package.json#packageManager); when it is not on PATH,
//    installs that exact version with npm into .tools/ (never globally).
// 2. Installs the workspace's dependencies from the lockfile when they are missing or stale.
// 3. Runs <command> with node_modules/.bin and pnpm on PATH, forwarding signals and exit code.
//
// Only Node builtins are used here: this file runs before any dependency exists.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/bootstrap.mjs <command> [args...]');
  process.exit(2);
}

const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const pnpmVersion = pinned.replace(/^pnpm@/, '').split('+')[0];
const toolsDir = join(root, '.tools');
const toolsBin = join(toolsDir, 'node_modules', '.bin');

function run(cmd, cmdArgs, env = process.env) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function pnpmOnPath(env) {
  const probe = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === pnpmVersion;
}

const env = { ...process.env, PATH: [toolsBin, process.env.PATH].join(':') };
if (!pnpmOnPath(env)) {
  console.error(`[bootstrap] installing pnpm@${pnpmVersion} into .tools/ with npm`);
  run('npm', ['install', '--prefix', toolsDir, '--no-save', '--no-audit', '--no-fund', `pnpm@${pnpmVersion}`]);
}

// pnpm writes node_modules/.modules.yaml after a successful install; a lockfile newer than it
// means someone pulled new dependencies.
const marker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');
const stale = !existsSync(marker) || (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  const frozen = existsSync(lockfile) && process.env.CHORUS_UNFROZEN_INSTALL !== '1';
  console.error(`[bootstrap] installing dependencies${frozen ? ' from the lockfile' : ''}`);
  run('pnpm', ['install', '--config.confirmModulesPurge=false', ...(frozen ? ['--frozen-lockfile'] : [])], env);
}

env.PATH = [join(root, 'node_modules', '.bin'), env.PATH].join(':');
const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`[bootstrap] could not run ${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
