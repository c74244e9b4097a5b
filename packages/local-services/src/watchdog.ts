import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * The watchdog is a tiny detached `/bin/sh` whose stdin is a socket whose other end only this Node process
 * holds (libuv opens every descriptor close-on-exec, so no other child inherits it). However this process
 * ends — normal exit, crash, SIGKILL — the kernel closes that end, `read` sees EOF, and the watchdog
 * sends SIGTERM to the server, then SIGKILL if it is still alive 10 s later. Unlike polling `kill -0 $OWNER`
 * this reacts at once and cannot be fooled by pid reuse or by an owner that is a not-yet-reaped zombie.
 */
const WATCHDOG_SCRIPT = `
S="$1"
alive() {
  kill -0 "$S" 2>/dev/null || return 1
  [ -r "/proc/$S/stat" ] || return 0
  read -r _pid _comm state _rest < "/proc/$S/stat" && [ "$state" != Z ]
}
while read -r _line; do :; done
kill -TERM "$S" 2>/dev/null || exit 0
i=0
while [ "$i" -lt 50 ] && alive; do sleep 0.2; i=$((i+1)); done
alive && kill -KILL "$S" 2>/dev/null
exit 0
`;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Supervised {
  readonly pid: number;
  /** Resolves when the server process has exited. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** SIGTERM, escalate to SIGKILL after `graceMs`; resolves after exit. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last chance on a normal exit; the watchdogs cover everything else (and escalate to SIGKILL).
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGTERM');
      } catch {
        /* gone */
      }
    }
  });
}

function startWatchdog(serverPid: number): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'chorus-watchdog', String(serverPid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.on('error', () => {
    /* nothing useful to do; the exit hook still applies */
  });
  dog.unref();
  // Keep the socket open but do not let it keep the event loop alive.
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return dog;
}

/**
 * Spawn a server process with stdout/stderr appended to `logFile`, guarded by a watchdog so it never
 * outlives this Node process. The server gets its own process group (a terminal Ctrl-C goes to the app,
 * which then shuts the server down) and is unref'd (it does not keep the app alive on its own).
 */
export function spawnSupervised(cmd: string, args: string[], opts: { logFile: string; cwd?: string }): Supervised {
  installExitHook();
  const logFd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  child.on('error', () => {
    /* reported through pid === undefined or the exit event */
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${cmd}`);
  live.add(child);
  child.unref();
  const dog = startWatchdog(pid);
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      live.delete(child);
      try {
        if (dog.pid) process.kill(-dog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      dog.stdin?.destroy();
      resolve({ code, signal });
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    hasExited: () => done,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (done) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const escalate = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            if (!done) child.kill('SIGKILL');
            resolve();
          }, graceMs);
        });
        await Promise.race([exited, escalate]);
        clearTimeout(timer);
        await exited;
      })();
      return stopping;
    },
  };
}
