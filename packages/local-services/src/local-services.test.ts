import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinaries, startMariaDb, startRedis } from './index.js';
import { isAlive, processStartTime } from './procs.js';
import { tcpExchange } from './ports.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-ls-test-'));
  tmpDirs.push(dir);
  return dir;
}

function mariadbCli(url: string, sql: string): Promise<string> {
  const u = new URL(url);
  const args = [
    '--protocol=TCP',
    '--default-character-set=utf8mb4',
    '-h',
    u.hostname,
    '-P',
    u.port,
    '-u',
    u.username,
    `-p${u.password}`,
    '-N',
    '-B',
    '-e',
    sql,
  ];
  return new Promise((resolve, reject) => {
    execFile('mariadb', args, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

async function redisCommand(port: number, command: string): Promise<string> {
  const reply = await tcpExchange(port, `${command}\r\n`, (b) => b.includes('\r\n'));
  return reply.toString('utf8').trim();
}

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** Run fixtures/owner.ts in a separate node process; resolves with the pids it prints. */
function startOwner(dataDir: string, kinds: string[]): Promise<{ child: ChildProcess; pids: Record<string, number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/owner.ts'), dataDir, ...kinds], {
    cwd: path.dirname(here),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, pids: JSON.parse(line) as Record<string, number> });
    });
    child.on('exit', (code) => reject(new Error(`owner fixture exited (${String(code)}): ${err}`)));
  });
}

beforeAll(async () => {
  await ensureBinaries(['mariadb', 'mroonga', 'redis']); // may apt-get install on a fresh machine
}, 300_000);

afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

describe('local services', () => {
  it('starts MariaDB; the URL account can create databases and query over TCP; stop() ends it', { timeout: 90_000 }, async () => {
    const db = await startMariaDb({ dataDir: tmpDir() });
    try {
      expect(db.url).toBe(`mysql://chorus:chorus@127.0.0.1:${db.port}`);
      const out = await mariadbCli(
        db.url,
        'CREATE DATABASE chorus_t; CREATE TABLE chorus_t.m (id INT PRIMARY KEY, body TEXT); ' +
          "INSERT INTO chorus_t.m VALUES (1, 'héllo 👋'); SELECT body FROM chorus_t.m; DROP DATABASE chorus_t; SELECT 1",
      );
      expect(out.split('\n').filter(Boolean)).toEqual(['héllo 👋', '1']);
      // Mroonga (message search) is loaded at start, a datadir copied from the template included.
      const mroonga = await mariadbCli(db.url, "SELECT plugin_status FROM information_schema.plugins WHERE plugin_name = 'Mroonga'");
      expect(mroonga.trim()).toBe('ACTIVE');
    } finally {
      await db.stop();
    }
    expect(isAlive(db.pid)).toBe(false);
    await db.stop(); // idempotent
  });

  it('starts Redis, answers PING and commands; stop() ends it', { timeout: 30_000 }, async () => {
    const redis = await startRedis({ dataDir: tmpDir() });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
    expect(await redisCommand(redis.port, 'SET k v')).toBe('+OK');
    await redis.stop();
    expect(() => process.kill(redis.pid, 0)).toThrow();
    await redis.stop();
  });

  it('never leaves orphans: SIGKILL of the owner process ends its servers', { timeout: 90_000 }, async () => {
    const dataDir = tmpDir();
    const { child, pids } = await startOwner(dataDir, ['redis', 'mariadb']);
    const { redis, mariadb } = pids;
    expect(redis && isAlive(redis)).toBe(true);
    expect(mariadb && isAlive(mariadb)).toBe(true);
    // While the owner lives, its dataDir is refused to others.
    await expect(startRedis({ dataDir })).rejects.toThrow(`pid ${String(pids['owner'])}`);
    child.kill('SIGKILL');
    expect(await waitDead(redis ?? 0, 5000)).toBe(true);
    expect(await waitDead(mariadb ?? 0, 5000)).toBe(true);
    // The dataDir is reusable afterwards (stale owner/pid files are ignored).
    const again = await startRedis({ dataDir });
    expect(await redisCommand(again.port, 'PING')).toBe('+PONG');
    await again.stop();
  });

  it('kills a leftover server from a dead owner before reusing its dataDir', { timeout: 30_000 }, async () => {
    const dataDir = tmpDir();
    const redisDir = path.join(dataDir, 'redis');
    mkdirSync(redisDir);
    // Port 0: no TCP listener; the command line names the dataDir like a real leftover would.
    const stray = spawn('redis-server', ['--port', '0', '--dir', redisDir, '--set-proc-title', 'no', '--save', ''], {
      stdio: 'ignore',
    });
    const strayPid = stray.pid ?? 0;
    stray.on('error', () => {});
    writeFileSync(path.join(dataDir, 'redis.pid'), `${strayPid}\n`);
    writeFileSync(path.join(dataDir, 'redis.owner'), `999999 ${processStartTime(process.pid) ?? ''}\n`);
    const redis = await startRedis({ dataDir });
    expect(await waitDead(strayPid, 2000)).toBe(true);
    await redis.stop();
  });
});
