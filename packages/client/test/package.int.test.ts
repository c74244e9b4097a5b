// The published package must stand alone: built, packed with plain `npm pack` and installed
// with plain `npm install` into a project outside the workspace next to
// @trpc/tanstack-react-query, it typechecks (with the server's types, not its source) as a
// Node script and as a React app, builds with Vite, and runs on Node 20 against a live server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumerDependencies,
  indexHtml,
  nodeCompilerOptions,
  nodeConsumer,
  nodeConsumerScript,
  nodeConsumerWrong,
  reactCompilerOptions,
  reactConsumer,
  reactConsumerWrong,
  reactEntry,
} from './consumer-sources';

const run = promisify(execFile);
const clientDir = join(repoRoot, 'packages', 'client');
// npm's cache survives runs (and is outside the temporary project), so a rerun installs offline.
const npmEnv = { ...process.env, npm_config_cache: join(repoRoot, '.data', 'npm-cache'), npm_config_update_notifier: 'false' };
let project: string;
let server: TestServer;

type Manifest = { version: string; dependencies?: unknown; peerDependencies?: Record<string, string>; exports?: unknown };
const readManifest = (dir: string) => JSON.parse(readFileSync(join(project, 'node_modules', dir, 'package.json'), 'utf8')) as Manifest;

/** Runs tsc on one program; the output lists every error (empty when clean). */
async function typecheck(name: string, compilerOptions: object, files: Record<string, string>): Promise<string> {
  for (const [file, source] of Object.entries(files)) writeFileSync(join(project, file), source);
  writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: Object.keys(files) }));
  const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: project, encoding: 'utf8', timeout: 85_000 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  return result.stdout + result.stderr;
}

/** `file(line,col): error TSxxxx` of each error, in order. */
const errorsOf = (output: string) => [...output.matchAll(/^(\S+)\(\d+,\d+\): error (TS\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);

beforeAll(async () => {
  const started = startTestServer();
  try {
    await installConsumer();
  } finally {
    server = await started; // stopped by afterAll even when the install failed
  }
}, 300_000);

/** A project outside the repository, so nothing resolves through the workspace's node_modules. */
async function installConsumer(): Promise<void> {
  project = mkdtempSync(join(tmpdir(), 'chorus-client-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: consumerDependencies }));
  const npmInstall = (...args: string[]) =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...args], { cwd: project, env: npmEnv, timeout: 180_000 });
  // The other dependencies install while the client builds; the tarball joins them after.
  const [, tarball] = await Promise.all([
    npmInstall(),
    (async () => {
      await run('pnpm', ['--filter', '@chorus/client', 'build'], { cwd: repoRoot, timeout: 120_000 });
      const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', project], { cwd: clientDir, env: npmEnv, timeout: 60_000 });
      return stdout.trim().split('\n').at(-1)!;
    })(),
  ]);
  await npmInstall(`./${tarball}`);
}

afterAll(async () => {
  await server?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('@chorus/client as an installed package', () => {
  it('ships its build with resolved version ranges and no workspace references', () => {
    const manifest = readManifest('@chorus/client');
    expect(JSON.stringify([manifest.dependencies, manifest.peerDependencies])).not.toMatch(/workspace:|catalog:|@chorus\//);
    expect(manifest.exports).toMatchObject({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
    expect(readdirSync(join(project, 'node_modules', '@chorus', 'client'))).not.toContain('src');
    expect(readdirSync(join(project, 'node_modules', '@chorus', 'client', 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('shares one copy of tRPC with @trpc/tanstack-react-query, at the version it pins', () => {
    const pinned = readManifest('@trpc/tanstack-react-query').peerDependencies!;
    for (const name of ['@trpc/client', '@trpc/server']) {
      expect(readManifest(name).version).toBe(pinned[name]);
      // A nested copy would be a second tRPC, whose types do not match the first's.
      expect(existsSync(join(project, 'node_modules', '@chorus', 'client', 'node_modules', name))).toBe(false);
      expect(existsSync(join(project, 'node_modules', '@trpc', 'tanstack-react-query', 'node_modules', name))).toBe(false);
    }
  });

  it('typechecks a strict Node consumer without skipLibCheck, and rejects a wrong input and an unknown procedure', async () => {
    const output = await typecheck('node', nodeCompilerOptions, { 'node-ok.ts': nodeConsumer, 'node-wrong.ts': nodeConsumerWrong });
    // tRPC 11.22's own ws adapter declarations disagree with today's @types/ws (later tRPC
    // releases agree): theirs to fix. Every other file, @chorus/client's included, must be clean.
    const errors = errorsOf(output).filter((error) => !error.startsWith('node_modules/@trpc/server/'));
    expect(new Set(errors)).toEqual(new Set(['node-wrong.ts TS2339', 'node-wrong.ts TS2322']));
    expect(output).toMatch(/node-wrong\.ts.*error TS2339.*'pong'/);
  }, 90_000);

  it('typechecks a React app using TRPCProvider, queries, mutations and useSubscription, and rejects wrong calls', async () => {
    const output = await typecheck('react', reactCompilerOptions, { 'react-ok.tsx': reactConsumer, 'react-wrong.tsx': reactConsumerWrong });
    expect(new Set(errorsOf(output))).toEqual(new Set(['react-wrong.tsx TS2339', 'react-wrong.tsx TS2820']));
    expect(output).toMatch(/react-wrong\.tsx.*error TS2820.*'"txt"'/);
  }, 90_000);

  it('builds the React app for the browser with Vite', async () => {
    writeFileSync(join(project, 'index.html'), indexHtml);
    writeFileSync(join(project, 'main.tsx'), reactEntry);
    writeFileSync(join(project, 'react-ok.tsx'), reactConsumer);
    const vite = join(project, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', 'web-dist'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    const assets = join(project, 'web-dist', 'assets');
    const bundle = readdirSync(assets)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(assets, file), 'utf8'))
      .join('\n');
    // The client's own code and tRPC's runtime (the observable it imports) are in the bundle.
    expect(bundle).toContain('/trpc');
    expect(bundle).not.toMatch(/from\s*["'](@trpc|@chorus|superjson)/);
  }, 90_000);

  it('runs on Node 20 against a live server over HTTP and WebSocket', async () => {
    writeFileSync(join(project, 'run.mjs'), nodeConsumerScript);
    const { stdout: output } = await run('node', ['run.mjs', server.url], { cwd: project, encoding: 'utf8', timeout: 20_000 });
    const result = JSON.parse(output) as { requestId?: unknown };
    expect(result).toMatchObject({ isDate: true, code: null });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
