import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type ServiceKind = 'mariadb' | 'redis' | 'prometheus';
/**
 * What `ensureBinaries` can install: the services, Chromium for browser tests, and the tools
 * that check the deployment files (docker-compose's parser, Caddy's config validation, Go with
 * Sprig and sigs.k8s.io/yaml, which render the Helm chart as Helm does).
 */
export type BinaryKind = ServiceKind | 'mroonga' | 'galera' | 'chromium' | 'docker-compose' | 'caddy' | 'go-templates';
export type Log = (msg: string) => void;

/** Thrown when binaries are missing and cannot be installed automatically. */
export class MissingBinariesError extends Error {
  /** Debian package names that would provide the missing binaries. */
  readonly packages: string[];
  constructor(packages: string[], missing: string[]) {
    super(
      `Missing binaries (${missing.join(', ')}). Install them with ` +
        `\`apt-get install ${packages.join(' ')}\` (Debian/Ubuntu, as root)` +
        (packages.includes('chromium')
          ? ', or set CHROMIUM_PATH to a Chromium or Chrome executable.'
          : ', or set DATABASE_URL / REDIS_URL to use servers you already run.'),
    );
    this.name = 'MissingBinariesError';
    this.packages = packages;
  }
}

const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/homebrew/sbin'];

/** Locate an executable by trying each name in $PATH and the usual sbin/bin directories. */
export function findBinary(...names: string[]): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

export interface MariaDbBinaries {
  mariadbd: string;
  installDb: string;
}

export function findMariaDbBinaries(): MariaDbBinaries | undefined {
  const mariadbd = findBinary('mariadbd', 'mysqld');
  const installDb = findBinary('mariadb-install-db', 'mysql_install_db');
  return mariadbd && installDb ? { mariadbd, installDb } : undefined;
}

/**
 * Where MariaDB builds look for plugins when started with --no-defaults (the compiled-in
 * plugin_dir): Debian and Ubuntu, Fedora and RHEL, a build installed under /usr/local.
 */
const PLUGIN_DIRS = ['/usr/lib/mysql/plugin', '/usr/lib64/mysql/plugin', '/usr/lib/mariadb/plugin', '/usr/lib64/mariadb/plugin', '/usr/local/lib/mysql/plugin'];

/**
 * The Mroonga storage engine plugin (full-text search that splits Chinese, Japanese and Korean
 * text without spaces); Debian's mariadb-plugin-mroonga ships it with Groonga linked in.
 */
export function findMroongaPlugin(): string | undefined {
  return PLUGIN_DIRS.map((dir) => path.join(dir, 'ha_mroonga.so')).find((file) => existsSync(file));
}

/** The Galera wsrep provider of Debian's galera-4 package. */
export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export function findRedisServer(): string | undefined {
  return findBinary('redis-server');
}

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

/** Debian's `prometheus` package ships both: the server and `promtool` (config and rule checks). */
export function findPrometheusBinaries(): PrometheusBinaries | undefined {
  const prometheus = findBinary('prometheus');
  const promtool = findBinary('promtool');
  return prometheus && promtool ? { prometheus, promtool } : undefined;
}

/**
 * Debian's Chromium (binary /usr/bin/chromium) for browser tests: a distribution build kept
 * patched by apt, never a browser downloaded by a test tool. CHROMIUM_PATH points elsewhere.
 */
export function findChromium(): string | undefined {
  const override = process.env['CHROMIUM_PATH'];
  if (override) return override;
  return findBinary('chromium', 'chromium-browser');
}

/** Debian packages for each kind, space-separated. */
const PACKAGES: Record<BinaryKind, string> = {
  mariadb: 'mariadb-server',
  mroonga: 'mariadb-plugin-mroonga',
  galera: 'galera-4 rsync',
  // redis-tools: redis-cli, which forms a Redis Cluster (`--cluster create`).
  redis: 'redis-server redis-tools',
  prometheus: 'prometheus',
  chromium: 'chromium',
  'docker-compose': 'docker-compose',
  caddy: 'caddy',
  'go-templates': 'golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev',
};
const BINARY_NAMES: Record<BinaryKind, string> = {
  mariadb: 'mariadbd/mariadb-install-db',
  mroonga: 'ha_mroonga.so',
  galera: 'libgalera_smm.so/rsync',
  redis: 'redis-server/redis-cli',
  prometheus: 'prometheus/promtool',
  chromium: 'chromium',
  'docker-compose': 'docker-compose',
  caddy: 'caddy',
  'go-templates': 'go with Sprig and sigs.k8s.io/yaml',
};
/** Where Debian's Go library packages put their sources (GOPATH mode). */
export const DEBIAN_GOPATH = '/usr/share/gocode';
const present: Record<BinaryKind, () => boolean> = {
  mariadb: () => findMariaDbBinaries() !== undefined,
  mroonga: () => findMroongaPlugin() !== undefined,
  // rsync is the state transfer a rejoining node falls back to when IST cannot serve it.
  galera: () => existsSync(GALERA_PROVIDER) && findBinary('rsync') !== undefined,
  redis: () => findRedisServer() !== undefined && findBinary('redis-cli') !== undefined,
  prometheus: () => findPrometheusBinaries() !== undefined,
  chromium: () => findChromium() !== undefined,
  'docker-compose': () => findBinary('docker-compose') !== undefined,
  caddy: () => findBinary('caddy') !== undefined,
  'go-templates': () =>
    findBinary('go') !== undefined && ['github.com/Masterminds/sprig', 'sigs.k8s.io/yaml'].every((pkg) => existsSync(path.join(DEBIAN_GOPATH, 'src', pkg))),
};

function defaultLog(msg: string): void {
  process.stderr.write(`[local-services] ${msg}\n`);
}

function run(cmd: string, args: string[], log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const forward = (stream: NodeJS.ReadableStream): void => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split(/\r?\n/);
        buf = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(line);
      });
      stream.on('end', () => {
        if (buf.trim()) log(buf);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit code ${String(code)}`})`));
    });
  });
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** apt-get install, with a temporary policy-rc.d (exit 101) so postinst scripts do not start system services. */
async function aptInstall(packages: string[], log: Log): Promise<void> {
  let addedPolicy = false;
  if (!existsSync(POLICY_RC_D)) {
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# temporary, written by @chorus/local-services\nexit 101\n', { mode: 0o755 });
    addedPolicy = true;
  }
  try {
    log('running apt-get update');
    await run('apt-get', ['update'], log);
    log(`running apt-get install ${packages.join(' ')}`);
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], log);
  } finally {
    if (addedPolicy) {
      try {
        unlinkSync(POLICY_RC_D);
      } catch {
        /* ignore */
      }
    }
  }
}

let installing: Promise<void> | undefined;

/**
 * Make sure the binaries for the given kinds exist. When missing and running as root with
 * apt-get available, installs the Debian packages; otherwise throws MissingBinariesError.
 */
export async function ensureBinaries(which: BinaryKind[], log: Log = defaultLog): Promise<void> {
  // Serialize with any install already in flight in this process, then re-check.
  while (installing) await installing.catch(() => undefined);
  const missing = [...new Set(which)].filter((kind) => !present[kind]());
  if (missing.length === 0) return;
  const packages = missing.flatMap((kind) => PACKAGES[kind].split(' '));
  const missingNames = missing.map((kind) => BINARY_NAMES[kind]);
  if (process.getuid?.() !== 0 || !findBinary('apt-get')) throw new MissingBinariesError(packages, missingNames);
  const promise = aptInstall(packages, log);
  installing = promise;
  try {
    await promise;
  } finally {
    if (installing === promise) installing = undefined;
  }
  const still = missing.filter((kind) => !present[kind]());
  if (still.length > 0) {
    throw new MissingBinariesError(
      still.flatMap((kind) => PACKAGES[kind].split(' ')),
      still.map((kind) => BINARY_NAMES[kind]),
    );
  }
}
