import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Log } from './binaries.js';
import type { MariaDbBinaries } from './binaries.js';

/** Options shared by install-db and mariadbd so the template's InnoDB files match the server's settings. */
export const INNODB_ARGS = ['--innodb-log-file-size=16M', '--innodb-buffer-pool-size=64M'];

const TEMPLATE_FORMAT = 1;

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * A freshly initialised, never-started datadir, shared by every dataDir of this user and MariaDB build:
 * `<tmpdir>/chorus-mariadb-template-<uid>-<hash of binaries and flags>`. Created once (atomic rename, so
 * concurrent processes are safe) and then copied, which is cheaper than running mariadb-install-db each time.
 */
function templateDir(bins: MariaDbBinaries): string {
  const hash = createHash('sha256');
  for (const file of [bins.mariadbd, bins.installDb]) {
    const real = realpathSync(file);
    const st = statSync(real);
    hash.update(`${real}:${st.size}:${st.mtimeMs}\n`);
  }
  hash.update(`${TEMPLATE_FORMAT}:${INNODB_ARGS.join(' ')}:${String(isRoot())}`);
  const uid = process.getuid?.() ?? 'u';
  return path.join(os.tmpdir(), `chorus-mariadb-template-${uid}-${hash.digest('hex').slice(0, 12)}`);
}

function installDb(bins: MariaDbBinaries, datadir: string): Promise<void> {
  const args = [
    '--no-defaults', // must come first
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal', // root@localhost without password (reachable only by us)
    '--skip-test-db',
    '--skip-name-resolve',
    ...(isRoot() ? ['--user=root'] : []),
    // everything below is passed through to mariadbd --bootstrap
    ...INNODB_ARGS,
    '--skip-log-bin',
  ];
  return new Promise((resolve, reject) => {
    execFile(bins.installDb, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const out = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
      reject(new Error(`${bins.installDb} failed: ${err.message}\n${out}`));
    });
  });
}

const pending = new Map<string, Promise<string>>();
const KEY_FILES = ['ibdata1', 'ib_logfile0', 'aria_log_control', 'mysql/global_priv.frm', 'mysql/db.frm'];

/** tmp cleaners may delete files from an old template: only trust a complete one. */
function complete(dir: string): boolean {
  return KEY_FILES.every((file) => existsSync(path.join(dir, file)));
}

async function ensureTemplate(bins: MariaDbBinaries, log: Log): Promise<string> {
  const dir = templateDir(bins);
  if (complete(dir)) return dir;
  let promise = pending.get(dir);
  if (!promise) {
    promise = (async () => {
      const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
      const started = Date.now();
      log(`initialising MariaDB template datadir ${dir}`);
      try {
        await installDb(bins, tmp);
        if (existsSync(dir) && !complete(dir)) await rm(dir, { recursive: true, force: true });
        try {
          await rename(tmp, dir);
        } catch (err) {
          // Another process won the race; use its template.
          if (!complete(dir)) throw err;
        }
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      log(`MariaDB template ready (${Date.now() - started} ms)`);
      return dir;
    })();
    pending.set(dir, promise);
    promise.catch(() => pending.delete(dir));
  }
  return promise;
}

/** Parallel copyFile: about twice as fast as fs.cp for the ~200 small files of a datadir. */
async function copyDir(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true, mode: 0o700 });
  const entries = await readdir(src, { withFileTypes: true });
  await Promise.all(
    entries.map((entry) => {
      const from = path.join(src, entry.name);
      const to = path.join(dst, entry.name);
      return entry.isDirectory() ? copyDir(from, to) : copyFile(from, to);
    }),
  );
}

/** Make sure `datadir` holds an initialised MariaDB data directory (copying the template if it does not). */
export async function ensureDataDir(bins: MariaDbBinaries, datadir: string, log: Log): Promise<void> {
  if (existsSync(path.join(datadir, 'mysql'))) return;
  const template = await ensureTemplate(bins, log);
  const tmp = `${datadir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await rm(datadir, { recursive: true, force: true }); // a half-made directory without mysql/
  await mkdir(path.dirname(datadir), { recursive: true });
  await copyDir(template, tmp);
  await rename(tmp, datadir);
}
