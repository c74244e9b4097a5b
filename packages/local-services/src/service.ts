import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Log } from './binaries.js';
import { getFreePort, sleep } from './ports.js';
import { claimDataDir } from './procs.js';
import { spawnSupervised } from './watchdog.js';
import type { Supervised } from './watchdog.js';

export interface LocalService {
  /** e.g. mysql://chorus:chorus@127.0.0.1:PORT, redis://127.0.0.1:PORT or http://127.0.0.1:PORT (Prometheus) */
  url: string;
  port: number;
  /** pid of the server process */
  pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would end it; resolves once it has exited. */
  kill(): Promise<void>;
}

export interface ServiceSpec {
  name: 'mariadb' | 'redis' | 'redis-sentinel' | 'prometheus';
  /** Absolute dataDir passed by the caller; owner/pid files live here. */
  dataDir: string;
  /** Absolute path that appears in the server's command line (used to recognise leftovers). */
  serverDir: string;
  logFile: string;
  binary: string;
  /** Runs once the dataDir is claimed, before the first spawn (e.g. initialise the datadir). */
  prepare?: () => Promise<void>;
  /** Runs before every spawn attempt (e.g. pick a second free port, such as a cluster bus port). */
  beforeSpawn?: () => Promise<void>;
  args(port: number): string[];
  /** One readiness check; resolve true when the server answers. */
  probe(port: number): Promise<boolean>;
  url(port: number): string;
  /** How long to wait for the first successful probe. */
  timeoutMs: number;
  log: Log;
  /** Listen on this port instead of a free one (a cluster's members know each other's ports). */
  port?: number;
}

const BIND_FAILURE = /address already in use|bind on tcp\/ip port|errno:? ?98\b|could not create server tcp listening socket/i;
const ATTEMPTS = 3;

/** Last `lines` lines of `file` written after byte `from`. */
export function tailFile(file: string, from = 0, lines = 25): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(from, size - 64 * 1024);
    const buf = Buffer.alloc(Math.max(0, size - start));
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, start);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function waitReady(spec: ServiceSpec, server: Supervised, port: number): Promise<'ready' | 'exited' | 'timeout'> {
  const started = Date.now();
  while (Date.now() - started < spec.timeoutMs) {
    if (server.hasExited()) return 'exited';
    if (await spec.probe(port).catch(() => false)) return server.hasExited() ? 'exited' : 'ready';
    await sleep(Date.now() - started < 3000 ? 25 : 100); // a refused connect is cheap: poll fast at first
  }
  return 'timeout';
}

/** Claim the dataDir, spawn the server on a free port (retrying bind races), wait until it answers. */
export async function startService(spec: ServiceSpec): Promise<LocalService> {
  const claim = await claimDataDir(spec.dataDir, spec.name, spec.serverDir, spec.log);
  try {
    await spec.prepare?.();
    for (let attempt = 1; ; attempt++) {
      const port = spec.port ?? (await getFreePort());
      await spec.beforeSpawn?.();
      const logOffset = fileSize(spec.logFile);
      const started = Date.now();
      const server = spawnSupervised(spec.binary, spec.args(port), { logFile: spec.logFile });
      claim.setServerPid(server.pid);
      const outcome = await waitReady(spec, server, port);
      if (outcome === 'ready') {
        spec.log(`${spec.name} ready on 127.0.0.1:${port} (pid ${server.pid}, ${Date.now() - started} ms)`);
        return wrap(spec, server, port, () => claim.release());
      }
      await server.stop(2000);
      const tail = tailFile(spec.logFile, logOffset);
      if (outcome === 'exited' && BIND_FAILURE.test(tail) && attempt < ATTEMPTS && spec.port === undefined) {
        spec.log(`${spec.name}: port ${port} was taken, retrying with another port`);
        continue;
      }
      const why = outcome === 'timeout' ? `did not answer within ${spec.timeoutMs / 1000} s` : 'exited during startup';
      throw new Error(`${spec.name} (${spec.binary}) ${why}. Log ${spec.logFile}:\n${tail || '(empty)'}`);
    }
  } catch (err) {
    claim.release();
    throw err;
  }
}

function wrap(spec: ServiceSpec, server: Supervised, port: number, release: () => void): LocalService {
  let stopping = false;
  void server.exited.then(({ code, signal }) => {
    release();
    if (!stopping) spec.log(`${spec.name} (pid ${server.pid}) exited unexpectedly (${signal ?? `code ${String(code)}`}); see ${spec.logFile}`);
  });
  let stopped: Promise<void> | undefined;
  return {
    url: spec.url(port),
    port,
    pid: server.pid,
    stop() {
      stopping = true;
      stopped ??= server.stop().then(release);
      return stopped;
    },
    kill() {
      stopping = true;
      if (!server.hasExited()) process.kill(server.pid, 'SIGKILL');
      stopped ??= server.exited.then(release);
      return stopped;
    },
  };
}
