// The production bundle the Dockerfile ships, made by the same script, started the way the image
// starts it, against a real MariaDB and Redis: it must be ready and serve the web app on its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalService } from '@chorus/local-services';
import { createTestDatabase, repoRoot, startTestRedis, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../apps/web/test/web-build';
import { envOf, execForm, instruction, readDockerfile } from './dockerfile';

const [buildStage = [], imageStage = []] = readDockerfile();
/** The image's command with `node` as this Node, and the bundle where the image has /app. */
const imageCommand = execForm(instruction(imageStage, 'CMD') ?? '[]');
const imageWorkdir = instruction(imageStage, 'WORKDIR') ?? '';
const healthcheck = execForm((instruction(imageStage, 'HEALTHCHECK') ?? '').split(' CMD ')[1] ?? '[]');
const asHost = ([command = '', ...args]: string[]) => ({ command: command === 'node' ? process.execPath : command, args });

// Outside the repository: Node looks for packages in every parent directory, and the
// workspace's node_modules would hide a dependency missing from the bundle.
let outDir: string;
let database: TestDatabase;
let redis: LocalService;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'chorus-release-'));
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  // The browser tests build the web app too: take their lock, so that release.mjs finds the
  // build current instead of writing apps/web/dist while another build does.
  await ensureWebBuild();
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts/release.mjs'), outDir], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`release.mjs failed (${String(result.status)}):\n${result.stderr}`);
}, 240_000);
afterAll(async () => {
  await Promise.all([database?.drop(), redis?.stop()]);
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  lines: Array<Record<string, unknown>>;
}

/** The Dockerfile's CMD in its WORKDIR of the bundle, with its ENV; resolves at the "listening" line. */
async function startBundle(env: Record<string, string>): Promise<Started> {
  const { command, args } = asHost(imageCommand);
  const child = spawn(command, args, {
    cwd: join(outDir, imageWorkdir.replace(/^\/app\/?/, '')),
    env: { PATH: process.env.PATH ?? '', ...envOf(imageStage), HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts.filter((line) => line.trim())) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'listening') resolve(String(line.url));
      }
    });
    child.once('exit', (code) => reject(new Error(`bundle exited with ${String(code)} before listening: ${stderr}`)));
  });
  return { child, url, lines };
}

/** The image's HEALTHCHECK command against a server on this port: its exit code. */
function runHealthcheck(port: number): number | null {
  const { command, args } = asHost(healthcheck);
  return spawnSync(command, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 10_000 }).status;
}

describe('Dockerfile', () => {
  it('builds with release.mjs on node:20-bookworm-slim and runs only its bundle, as a non-root user, in exec form', () => {
    expect(instruction(buildStage, 'FROM')).toBe('node:20-bookworm-slim AS build');
    expect(instruction(buildStage, 'RUN')).toBe('node scripts/bootstrap.mjs node scripts/release.mjs /release');
    expect(instruction(imageStage, 'FROM')).toBe('node:20-bookworm-slim');
    expect(imageStage.filter((item) => item.keyword === 'COPY').map((item) => item.args)).toEqual(['--from=build /release /app']);
    expect(instruction(imageStage, 'USER')).toBe('10001:10001');
    expect(imageWorkdir).toBe('/app/apps/server');
    expect(instruction(imageStage, 'STOPSIGNAL')).toBe('SIGTERM');
    expect(imageCommand).toEqual(['node', '--max-semi-space-size=64', '--import', 'tsx', 'src/main.ts']);
    expect(envOf(imageStage)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000' });
    expect(healthcheck.join(' ')).toContain('/readyz');
  });
});

describe('release bundle (scripts/release.mjs)', () => {
  it('holds the server with production dependencies only, and the web app', () => {
    const server = join(outDir, 'apps/server');
    expect(existsSync(join(server, 'src/main.ts'))).toBe(true);
    expect(existsSync(join(server, 'node_modules/tsx/package.json'))).toBe(true);
    expect(existsSync(join(outDir, 'apps/web/dist/index.html'))).toBe(true);
    expect(existsSync(join(server, 'test'))).toBe(false);
    const installed = readdirSync(join(server, 'node_modules/.pnpm'));
    // Test and build tools of the workspace stay out (TypeScript itself is there: @trpc/server names it as a peer).
    for (const devOnly of ['vitest@', 'vite@', 'playwright-core@', '@chorus+testing@', '@chorus+client@']) {
      expect(installed.filter((name) => name.startsWith(devOnly))).toEqual([]);
    }
    // The workspace's patch of tRPC is applied in the bundle too.
    expect(installed.some((name) => name.startsWith('@trpc+server@') && name.includes('patch_hash'))).toBe(true);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
    expect(JSON.parse(readFileSync(join(outDir, 'release.json'), 'utf8'))).toMatchObject({ commit: head });
    expect(existsSync(join(outDir, 'tsconfig.base.json'))).toBe(true);
  });

  // The two starts run side by side: most of each is Node loading and compiling the server.
  it.concurrent('starts as the image starts it: ready, serving the web app, draining on SIGTERM', async ({ expect }) => {
    const filesDir = await mkdtemp(join(tmpdir(), 'chorus-release-files-'));
    const server = await startBundle({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      AI_ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      FILES_LINK_SECRET: randomBytes(32).toString('base64'),
      FILES_DIR: filesDir,
    });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });

      const index = readFileSync(join(outDir, 'apps/web/dist/index.html'), 'utf8');
      const page = await fetch(`${server.url}/chats`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(index);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${server.url}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');

      const ping = await fetch(`${server.url}/trpc/system.ping`);
      expect(ping.status).toBe(200);
      expect(runHealthcheck(Number(new URL(server.url).port))).toBe(0);
    } finally {
      server.child.kill('SIGTERM');
      const [code] = (await once(server.child, 'exit')) as [number | null];
      await rm(filesDir, { recursive: true, force: true });
      expect(code).toBe(0);
      expect(server.lines.map((line) => line.msg)).toContain('shutdown complete');
      expect(runHealthcheck(Number(new URL(server.url).port))).toBe(1);
    }
  });

  it.concurrent('refuses to start in production without its secrets, naming the missing one', async ({ expect }) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(outDir, 'apps/server'),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_FORMAT: 'json', PORT: '0', DATABASE_URL: database.url, REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stdout).toContain('AI_ENCRYPTION_KEYS is required in production');
  });
});
