// Builds the publishable @chorus/client into dist/: one ESM bundle and one self-contained
// index.d.ts. The declarations carry the whole AppRouter shape (every procedure's input and
// output) but none of the server's source or its context type, so a frontend can install the
// package and typecheck without the server, its database driver or Redis client.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import ts from 'typescript';

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(clientDir, '..');
const distDir = join(clientDir, 'dist');
// zod: the event and output types are inferred from the server's zod schemas.
const runtimeExternals = ['@trpc/client', '@trpc/server', 'superjson', 'zod'];
/** Modules only the server needs; finding one in the bundled types is a build error. */
const serverOnlyModules = ['drizzle-orm', 'mysql2', 'ioredis', 'pino', 'node:http', 'openai', 'resend', '@chorus/'];

rmSync(distDir, { recursive: true, force: true });

await build({
  entryPoints: [join(clientDir, 'src/index.ts')],
  outfile: join(distDir, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: runtimeExternals,
  sourcemap: true,
});

const declarationsDir = mkdtempSync(join(tmpdir(), 'chorus-client-dts-'));
try {
  emitDeclarations(declarationsDir);
  eraseServerContext(join(declarationsDir, 'api'));
  const bundle = await rollup({
    input: join(declarationsDir, 'client/src/index.d.ts'),
    external: runtimeExternals,
    plugins: [workspaceDeclarations(declarationsDir), dts()],
    // Server-side imports are unresolved on purpose; they are tree-shaken away (checked below).
    onwarn: (warning, warn) => {
      if (warning.code !== 'UNRESOLVED_IMPORT') warn(warning);
    },
  });
  await bundle.write({ file: join(distDir, 'index.d.ts'), format: 'es' });
} finally {
  rmSync(declarationsDir, { recursive: true, force: true });
}

const types = readFileSync(join(distDir, 'index.d.ts'), 'utf8');
const leaked = serverOnlyModules.filter((name) => types.includes(`from '${name}`) || types.includes(`import("${name}`));
if (leaked.length > 0) throw new Error(`dist/index.d.ts still references server-only modules: ${leaked.join(', ')}`);
console.log(`built ${relative(process.cwd(), distDir)}: index.js ${size('index.js')}, index.d.ts ${size('index.d.ts')}`);

function emitDeclarations(outDir: string): void {
  const configPath = join(packagesDir, '..', 'tsconfig.base.json');
  const config: unknown = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path)).config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configPath));
  const roots = ['client/src/index.ts', 'api/src/index.ts', 'db/src/index.ts', 'transport/src/index.ts'].map((file) => join(packagesDir, file));
  const program = ts.createProgram(roots, {
    ...parsed.options,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    outDir,
    rootDir: packagesDir,
  });
  const result = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => clientDir, getNewLine: () => '\n' }));
  }
}

/**
 * A router's type names the server's context (database, Redis, logger types) in each of its
 * `ctx` slots. Clients never see the context, so those slots become `object` and the
 * context's declarations drop out of the bundle.
 */
function eraseServerContext(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      eraseServerContext(path);
    } else if (path.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const erased = text.replace(/ctx: import\("[^"]+"\)\.Context;/g, 'ctx: object;');
      if (erased !== text) writeFileSync(path, erased);
    }
  }
}

/** Resolves `@chorus/*` imports to the declarations just emitted, so they are inlined. */
function workspaceDeclarations(outDir: string) {
  return {
    name: 'chorus-workspace-declarations',
    resolveId(source: string) {
      const match = /^@chorus\/([a-z-]+)$/.exec(source);
      return match ? join(outDir, match[1]!, 'src/index.d.ts') : null;
    },
  };
}

function size(file: string): string {
  return `${(statSync(join(distDir, file)).size / 1024).toFixed(1)} KiB`;
}
