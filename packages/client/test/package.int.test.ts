// The published package must stand alone: built, packed and installed into a project outside
// the workspace, it typechecks (with the server's types, not its source) and runs on Node 20.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clientDir = join(repoRoot, 'packages', 'client');
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
let project: string;
let server: TestServer;

const consumerSource = `
import { appCodeOf, closeChorusClient, createChorusClient, type AppErrorCode, type RouterInputs, type RouterOutputs } from '@chorus/client';
import WebSocket from 'ws';

const client = createChorusClient({ url: process.argv[2] ?? 'http://127.0.0.1:3000', WebSocket });
const pong: RouterOutputs['system']['ping'] = await client.system.ping.query();
const when: Date = pong.time;
const clockInput: RouterInputs['system']['clock'] = { intervalMs: 100 };
const tick = await new Promise<Date>((resolve, reject) => {
  const sub = client.system.clock.subscribe(clockInput, {
    onData: (data) => { sub.unsubscribe(); resolve(data.time); },
    onError: reject,
  });
});
const code: AppErrorCode | null = appCodeOf(new Error('not a chorus error'));
console.log(JSON.stringify({ isDate: when instanceof Date && tick instanceof Date, requestId: pong.requestId, code }));
await closeChorusClient(client);
`;

function typecheck(file: string, source: string): { ok: boolean; output: string } {
  writeFileSync(join(project, file), source);
  const result = spawnSync(tsc, ['--noEmit', '-p', join(project, `tsconfig.${file}.json`)], { encoding: 'utf8' });
  return { ok: result.status === 0, output: result.stdout + result.stderr };
}

function writeTsconfig(file: string): void {
  const compilerOptions = {
    strict: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    lib: ['ES2022', 'DOM'],
  };
  writeFileSync(join(project, `tsconfig.${file}.json`), JSON.stringify({ compilerOptions, files: [file] }));
}

beforeAll(async () => {
  server = await startTestServer();
  execFileSync('pnpm', ['--filter', '@chorus/client', 'build'], { cwd: repoRoot, stdio: 'pipe' });
  project = mkdtempSync(join(tmpdir(), 'chorus-client-consumer-'));
  execFileSync('pnpm', ['pack', '--pack-destination', project], { cwd: clientDir, stdio: 'pipe' });
  const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'))!;
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { '@chorus/client': `file:./${tarball}`, ws: '^8.18.0', '@types/ws': '^8.18.0', '@types/node': '^20.19.0' },
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, stdio: 'pipe' });
}, 240_000);

afterAll(async () => {
  await server?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('@chorus/client as an installed package', () => {
  it('ships no workspace-only references', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@chorus', 'client', 'package.json'), 'utf8')) as {
      dependencies?: unknown;
      exports?: unknown;
    };
    expect(JSON.stringify([manifest.dependencies, manifest.exports])).not.toMatch(/workspace:|catalog:|src\/index\.ts|@chorus\//);
    expect(readdirSync(join(project, 'node_modules', '@chorus', 'client', 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('typechecks a consumer calling system.ping and system.clock', () => {
    writeTsconfig('ok.ts');
    const result = typecheck('ok.ts', consumerSource);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('fails to typecheck a wrong input and an unknown procedure', () => {
    writeTsconfig('bad-input.ts');
    const badInput = typecheck('bad-input.ts', consumerSource.replace('{ intervalMs: 100 }', "{ intervalMs: 'fast' }"));
    expect(badInput.ok).toBe(false);
    expect(badInput.output).toMatch(/bad-input\.ts.*error TS2322/);

    writeTsconfig('bad-path.ts');
    const badPath = typecheck('bad-path.ts', consumerSource.replace('client.system.ping.query()', 'client.system.pong.query()'));
    expect(badPath.ok).toBe(false);
    expect(badPath.output).toMatch(/bad-path\.ts.*error TS2339.*pong/);
  });

  it('runs on Node 20 against a live server over HTTP and WebSocket', async () => {
    writeFileSync(
      join(project, 'run.mjs'),
      consumerSource
        .replace(/: [A-Za-z[\]'|. ]+(?= = )/g, '')
        .replace(/^import \{.*\} from '@chorus\/client';$/m, "import { appCodeOf, closeChorusClient, createChorusClient } from '@chorus/client';")
        .replace('new Promise<Date>', 'new Promise'),
    );
    // Asynchronously: the server under test lives in this process and must keep answering.
    const { stdout: output } = await promisify(execFile)('node', ['run.mjs', server.url], { cwd: project, encoding: 'utf8', timeout: 20_000 });
    const result = JSON.parse(output) as { requestId?: unknown };
    expect(result).toMatchObject({ isDate: true, code: null });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
