import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './ports.js';
import type { Log } from './binaries.js';

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function ps(pid: number, field: string): string | undefined {
  try {
    const out = execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True if the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProc(pid, 'stat');
  return !stat || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Process start time (opaque string) — together with the pid it identifies a process despite pid reuse. */
export function processStartTime(pid: number): string | undefined {
  const stat = readProc(pid, 'stat');
  if (stat) return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return ps(pid, 'lstart');
}

export function processCommandLine(pid: number): string | undefined {
  const cmdline = readProc(pid, 'cmdline');
  if (cmdline !== undefined) return cmdline.replace(/\0/g, ' ').trim();
  return ps(pid, 'command');
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the process is gone. */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  for (const [sig, waitMs] of [
    ['SIGKILL', graceMs],
    [undefined, 5000],
  ] as const) {
    const deadline = Date.now() + waitMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (!isAlive(pid)) return;
    if (sig) signal(sig);
  }
}

const claimed = new Set<string>();

export interface Claim {
  /** Record the server pid in `<dataDir>/<name>.pid`. */
  setServerPid(pid: number): void;
  /** Remove the owner and pid files. Idempotent. */
  release(): void;
}

function readFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Take ownership of `<dataDir>/<name>` for this process. Throws if another live process owns it;
 * kills a leftover server (recorded in the pid file, verified via its command line) whose owner died.
 */
export async function claimDataDir(dataDir: string, name: string, serverDir: string, log: Log): Promise<Claim> {
  mkdirSync(dataDir, { recursive: true });
  const ownerFile = path.join(dataDir, `${name}.owner`);
  const pidFile = path.join(dataDir, `${name}.pid`);
  const key = path.resolve(ownerFile);
  if (claimed.has(key)) throw new Error(`${name} for ${dataDir} is already running in this process (pid ${process.pid})`);

  const ownerText = readFile(ownerFile);
  if (ownerText !== undefined) {
    const [pidText, startTime] = ownerText.trim().split(/\s+/);
    const owner = Number(pidText);
    if (owner !== process.pid && isAlive(owner) && processStartTime(owner) === startTime) {
      const cmd = processCommandLine(owner) ?? '?';
      throw new Error(`${name} data directory ${dataDir} is in use by another live process: pid ${owner} (${cmd}). Stop it or use another dataDir.`);
    }
  }
  const stalePid = Number(readFile(pidFile)?.trim());
  if (isAlive(stalePid) && stalePid !== process.pid) {
    const cmdline = processCommandLine(stalePid) ?? '';
    if (cmdline.includes(serverDir)) {
      log(`killing leftover ${name} server pid ${stalePid} from a previous run (its owner is gone)`);
      await terminate(stalePid, 5000);
    }
  }
  if (readFile(ownerFile) === ownerText && ownerText !== undefined) {
    try {
      unlinkSync(ownerFile);
    } catch {
      /* raced: wx below decides */
    }
  }
  let fd: number;
  try {
    fd = openSync(ownerFile, 'wx');
  } catch {
    throw new Error(`${name} data directory ${dataDir} was claimed concurrently by another process (${readFile(ownerFile)?.trim() ?? '?'})`);
  }
  writeFileSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
  closeSync(fd);
  claimed.add(key);
  try {
    unlinkSync(pidFile);
  } catch {
    /* none */
  }

  let released = false;
  return {
    setServerPid(pid) {
      writeFileSync(pidFile, `${pid}\n`);
    },
    release() {
      if (released) return;
      released = true;
      claimed.delete(key);
      for (const file of [pidFile, ownerFile]) {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
