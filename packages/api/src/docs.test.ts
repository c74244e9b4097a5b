import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appRouter } from './root';

// The documentation is checked against the code it maps: a procedure added without a line in
// docs/api.md, an unclosed code fence (the rest of the page renders as code) or a link to a
// file that is not in the repository fails here.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function markdownFiles(): string[] {
  const files = ['README.md', 'bench/README.md', 'patches/README.md'].map((name) => join(root, name)).filter((file) => existsSync(file));
  for (const dir of ['docs', 'docs/decisions']) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    for (const name of readdirSync(full)) if (name.endsWith('.md')) files.push(join(full, name));
  }
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const readme = join(root, 'packages', pkg, 'README.md');
    if (existsSync(readme)) files.push(readme);
  }
  return files;
}

describe('docs/api.md', () => {
  const text = readFileSync(join(root, 'docs/api.md'), 'utf8');

  it('names every procedure of the router', () => {
    const paths = Object.keys(appRouter._def.procedures);
    expect(paths.length).toBeGreaterThan(100);
    const missing = paths.filter((path) => !new RegExp(`(^|[^\\w.])${path.replaceAll('.', '\\.')}(?![\\w])`).test(text));
    expect(missing).toEqual([]);
  });

  // Event types (`ai.title`, `presence.snapshot`) share prefixes with routers; calls have inputs.
  it('calls no procedure the router does not have', () => {
    const known = new Set(Object.keys(appRouter._def.procedures));
    const routers = new Set(Object.keys(appRouter._def.record));
    const named = [...text.matchAll(/`([a-z]+(?:\.[a-zA-Z]+)+)\(/g)].map((match) => match[1]!);
    const unknown = named.filter((path) => routers.has(path.split('.')[0]!) && !known.has(path));
    expect(unknown).toEqual([]);
  });
});

describe('markdown', () => {
  const files = markdownFiles();

  // A fence opens with ``` and a language at most, and closes with ``` alone on its line: text
  // after a closing ``` keeps the fence open and the rest of the page renders as code.
  it.each(files.map((file) => [file.slice(root.length + 1), file]))('%s closes every code fence', (_name, file) => {
    let open = 0;
    for (const [index, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (!/^\s*```/.test(line)) continue;
      if (open) {
        expect(line, `line ${index + 1}`).toMatch(/^\s*```\s*$/);
        open = 0;
      } else {
        expect(line, `line ${index + 1}`).toMatch(/^\s*```[\w-]*\s*$/);
        open = index + 1;
      }
    }
    expect(open, `fence opened on line ${open}`).toBe(0);
  });

  it.each(files.map((file) => [file.slice(root.length + 1), file]))('%s links only to files and headings in the repository', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const broken = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => {
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const linked = path === '' ? file : resolve(dirname(file), path);
        if (!existsSync(linked)) return true;
        return anchor !== undefined && linked.endsWith('.md') && !headingAnchors(readFileSync(linked, 'utf8')).has(anchor);
      });
    expect(broken).toEqual([]);
    expect(text).not.toMatch(/ARCHITECTURE\.md/);
  });
});

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading)
      anchors.add(
        heading[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return anchors;
}
