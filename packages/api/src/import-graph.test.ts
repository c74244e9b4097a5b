// Layers run one way. Inside this package: no cycle of value imports (module evaluation order
// must not depend on which file is loaded first), and no cycle at all, types included, through
// the dependency aggregate or the context, which sit on top of the services and must not be
// what the services are built from. Across the workspace: packages never depend on an app.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(srcDir, '../../..');
/** The aggregate of every dependency and the per-request context built on it. */
const TOP_MODULES = ['deps.ts', 'app-deps.ts', 'context.ts'];

interface Edge {
  to: string;
  /** `import type` / `export type`: erased at build time, so it cannot order evaluation. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

/**
 * Static imports and re-exports of each file. `import { type A }` still loads its module
 * under `verbatimModuleSyntax`, so only a declaration-level `type` makes an edge type-only.
 */
function importGraph(files: string[]): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    const edges: Edge[] = [];
    for (const statement of source.statements) {
      let specifier: ts.Expression | undefined;
      let typeOnly = false;
      if (ts.isImportDeclaration(statement)) {
        specifier = statement.moduleSpecifier;
        typeOnly = statement.importClause?.isTypeOnly ?? false;
      } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
        specifier = statement.moduleSpecifier;
        typeOnly = statement.isTypeOnly;
      }
      if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
      const to = resolveRelative(file, specifier.text);
      if (!to) throw new Error(`${relative(repoRoot, file)}: cannot resolve '${specifier.text}'`);
      edges.push({ to, typeOnly });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** The shortest path of edges from `from` back to `target`, or null. */
function shortestPath(graph: Map<string, Edge[]>, from: string, target: string, valueOnly: boolean): string[] | null {
  const previous = new Map<string, string>([[from, '']]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const edge of graph.get(node) ?? []) {
      if (valueOnly && edge.typeOnly) continue;
      if (edge.to === target) {
        const path = [target];
        for (let at = node; at !== ''; at = previous.get(at)!) path.unshift(at);
        return path;
      }
      if (previous.has(edge.to)) continue;
      previous.set(edge.to, node);
      queue.push(edge.to);
    }
  }
  return null;
}

/**
 * Distinct cycles: for each file allowed as a start, and for each of its imports, the shortest
 * way from that import back to the file.
 */
function cycles(graph: Map<string, Edge[]>, valueOnly: boolean, through: (file: string) => boolean = () => true): string[] {
  const found = new Set<string>();
  for (const [file, edges] of graph) {
    if (!through(file)) continue;
    for (const edge of edges) {
      if (valueOnly && edge.typeOnly) continue;
      const back = edge.to === file ? [file] : shortestPath(graph, edge.to, file, valueOnly);
      if (!back) continue;
      // One spelling per cycle, whichever file it was found from.
      const ring = [file, ...back.slice(0, -1)].map((node) => relative(srcDir, node));
      const start = ring.indexOf([...ring].sort()[0]!);
      const rotated = [...ring.slice(start), ...ring.slice(0, start)];
      found.add([...rotated, rotated[0]].join(' → '));
    }
  }
  return [...found].sort();
}

/** Files on some cycle with `file` (each reaches it and is reached from it), type imports included. */
function cycleMates(graph: Map<string, Edge[]>, file: string): string[] {
  const reach = (from: string, next: (node: string) => string[]) => {
    const seen = new Set<string>();
    const stack = next(from);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      stack.push(...next(node));
    }
    return seen;
  };
  const importers = (node: string) => [...graph].filter(([, edges]) => edges.some((edge) => edge.to === node)).map(([from]) => from);
  const reached = reach(file, (node) => (graph.get(node) ?? []).map((edge) => edge.to));
  const reaching = reach(file, importers);
  return [...reached]
    .filter((node) => reaching.has(node) && node !== file)
    .map((node) => relative(srcDir, node))
    .sort();
}

function report(label: string, found: string[]): string {
  return found.length === 0 ? `no ${label}` : `${found.length} ${label}:\n  ${found.join('\n  ')}`;
}

describe('import graph of packages/api/src', () => {
  const graph = importGraph(sourceFiles(srcDir));

  it('is read from the real files', () => {
    expect(graph.size).toBeGreaterThan(100);
    const rootEdges = graph.get(join(srcDir, 'root.ts'))!.map((edge) => relative(srcDir, edge.to));
    expect(rootEdges).toContain('trpc.ts');
  });

  it('has no cycle of value imports', () => {
    const found = cycles(graph, true);
    console.log(report('value-import cycles', found));
    expect(found).toEqual([]);
  });

  it('has no cycle, type imports included, through the dependency aggregate or the context', () => {
    const found = cycles(graph, false, (file) => TOP_MODULES.includes(relative(srcDir, file)));
    console.log(report('cycles through deps.ts, app-deps.ts or context.ts', found));
    for (const top of TOP_MODULES) console.log(report(`other files on a cycle with ${top}`, cycleMates(graph, join(srcDir, top))));
    expect(found).toEqual([]);
  });

  it('keeps realtime/ below the aggregate and the context (its tests may build the aggregate)', () => {
    const imports = [...graph]
      .filter(([file]) => relative(srcDir, file).startsWith('realtime/') && !file.endsWith('.test.ts'))
      .flatMap(([file, edges]) => edges.map((edge) => `${relative(srcDir, file)} → ${relative(srcDir, edge.to)}`))
      .filter((line) => TOP_MODULES.some((top) => line.endsWith(`→ ${top}`)));
    expect(imports).toEqual([]);
  });

  it('has leaf modules that import nothing from the rest of the package', () => {
    for (const leaf of ['kernel.ts', 'auth/session.types.ts', 'mail/mail-signal.ts']) {
      expect({ leaf, imports: graph.get(join(srcDir, leaf))!.map((edge) => relative(srcDir, edge.to)) }).toEqual({ leaf, imports: [] });
    }
  });

  it('finds a cycle when there is one', () => {
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    const toy = new Map<string, Edge[]>([
      [a, [{ to: b, typeOnly: false }]],
      [b, [{ to: a, typeOnly: true }]],
    ]);
    expect(cycles(toy, true)).toEqual([]);
    expect(cycles(toy, false)).toHaveLength(1);
    toy.set(b, [{ to: a, typeOnly: false }]);
    expect(cycles(toy, true)).toHaveLength(1);
  });
});

describe('workspace packages', () => {
  const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string>;
  const dirsUnder = (parent: string) =>
    readdirSync(join(repoRoot, parent))
      .map((name) => join(repoRoot, parent, name))
      .filter((dir) => existsSync(join(dir, 'package.json')));
  const apps = new Set(dirsUnder('apps').map((dir) => manifest(dir)['name'] as string));

  it('never depend on an app (bench included)', () => {
    expect(apps.size).toBeGreaterThan(0);
    const offending = [...dirsUnder('packages'), join(repoRoot, 'bench')].flatMap((dir) => {
      const pkg = manifest(dir);
      return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
        Object.keys((pkg[field] as Record<string, string> | undefined) ?? {})
          .filter((name) => apps.has(name))
          .map((name) => `${relative(repoRoot, dir)} ${field}: ${name}`),
      );
    });
    expect(offending).toEqual([]);
  });

  it('never reach into an app by path either (spawning its process, importing its files)', () => {
    const appPath = /['"`](\.\.\/)+apps\/|['"`]apps['"`/]/;
    const packageSources = dirsUnder('packages').flatMap((dir) => (existsSync(join(dir, 'src')) ? sourceFiles(join(dir, 'src')) : []));
    const sources = [...packageSources, ...sourceFiles(join(repoRoot, 'bench'))];
    const offending = sources.filter((file) => file !== fileURLToPath(import.meta.url) && appPath.test(readFileSync(file, 'utf8')));
    expect(offending.map((file) => relative(repoRoot, file))).toEqual([]);
  });
});
