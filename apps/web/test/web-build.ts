// The browser tests run against the built app, as `pnpm start` serves it. It is built from the
// current sources once per test run; parallel test files wait for the one that builds.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, testRunDir } from '@chorus/testing';

export const WEB_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds apps/web into WEB_DIST_DIR unless this test run already did; returns WEB_DIST_DIR. */
export async function ensureWebBuild(): Promise<string> {
  const runDir = testRunDir();
  const done = join(runDir, 'web-build.done');
  if (existsSync(done)) return WEB_DIST_DIR;
  await mkdir(runDir, { recursive: true });
  await withLock(join(runDir, 'web-build.lock'), async () => {
    if (existsSync(done)) return;
    await buildWeb();
    // build-web.mjs succeeds without building when there is no app to build.
    if (!existsSync(join(WEB_DIST_DIR, 'index.html'))) throw new Error(`no ${WEB_DIST_DIR}/index.html after the web build`);
    await writeFile(done, new Date().toISOString());
  });
  return WEB_DIST_DIR;
}

/** `scripts/build-web.mjs` through the bootstrap (pnpm on PATH): rebuilds only when the sources changed. */
export function buildWeb(): Promise<void> {
  const args = [join(repoRoot, 'scripts', 'bootstrap.mjs'), 'node', join(repoRoot, 'scripts', 'build-web.mjs')];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`web build failed (exit ${String(code)}):\n${output}`))));
  });
}

/**
 * Runs `fn` while holding a lock directory (mkdir is atomic). A lock whose holder process is
 * gone (a worker killed mid-build) is taken over.
 */
async function withLock(dir: string, fn: () => Promise<void>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await holderGone(dir)) await rm(dir, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${dir} still held after ${timeoutMs} ms`);
    else await sleep(200);
  }
  try {
    await writeFile(join(dir, 'pid'), String(process.pid));
    await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function holderGone(dir: string): Promise<boolean> {
  const pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
  if (!pid) return false; // just created: the pid file follows
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
