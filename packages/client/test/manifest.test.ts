// What `npm pack` puts in the tarball is this package.json as it is: npm resolves no `catalog:`
// or `workspace:` specs (`pnpm pack` would), so the published fields must already be plain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as viaPackage from '@chorus/client';
import { describe, expect, it } from 'vitest';
import * as viaSource from '../src/index';
import { reactConsumer } from './consumer-sources';

type Manifest = {
  exports: Record<string, Record<string, string>>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages/client/package.json'), 'utf8')) as Manifest;

/** The `catalog:` section of pnpm-workspace.yaml, as name → range. */
function catalog(): Map<string, string> {
  const yaml = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const section = /^catalog:\n((?:(?:\s+.*)?\n)+)/m.exec(yaml)?.[1] ?? '';
  const entries = [...section.matchAll(/^\s+'?([^'\s:]+)'?:\s*(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!] as const);
  return new Map(entries);
}

describe('@chorus/client as published', () => {
  it('gives every installed dependency a plain version range', () => {
    const specs = { ...manifest.dependencies, ...manifest.peerDependencies };
    expect(Object.keys(specs).length).toBeGreaterThan(0);
    for (const [name, spec] of Object.entries(specs)) {
      expect(spec, name).not.toMatch(/^(catalog|workspace|file|link):/);
      expect(spec, name).toMatch(/^[\^~]?\d+\.\d+\.\d+$/);
    }
  });

  it('keeps superjson and zod on the workspace catalog ranges', () => {
    const ranges = catalog();
    expect(manifest.dependencies.superjson).toBe(ranges.get('superjson'));
    expect(manifest.dependencies.zod).toBe(ranges.get('zod'));
  });

  it('takes tRPC as a peer whose range includes the version the workspace develops with', () => {
    const develop = catalog().get('@trpc/client')!;
    expect(catalog().get('@trpc/server')).toBe(develop);
    for (const name of ['@trpc/client', '@trpc/server']) {
      expect(manifest.dependencies[name], name).toBeUndefined();
      expect(manifest.devDependencies[name], name).toBe('catalog:');
      const [major, minor, patch] = /^\^(\d+)\.(\d+)\.(\d+)$/
        .exec(manifest.peerDependencies[name] ?? '')!
        .slice(1)
        .map(Number);
      const [dMajor, dMinor, dPatch] = develop.split('.').map(Number);
      expect(dMajor, name).toBe(major);
      expect(dMinor! * 1e6 + dPatch!, name).toBeGreaterThanOrEqual(minor! * 1e6 + patch!);
    }
  });

  it('exports the built files to installers and the source to the workspace', () => {
    const entry = manifest.exports['.']!;
    expect(entry.types).toBe('./dist/index.d.ts');
    expect(entry.default).toBe('./dist/index.js');
    // Conditions match in key order: the workspace's one must come before `default`.
    expect(Object.entries(entry)[0]).toEqual(['@chorus/source', './src/index.ts']);
    expect(Object.keys(manifest.exports)).toEqual(['.']);
    expect(manifest.files).toEqual(['dist']);
  });

  it('resolves to the TypeScript source inside the workspace, with no build', () => {
    expect(viaPackage.createChorusClient).toBe(viaSource.createChorusClient);
  });

  it('shows in its README the React example the package test typechecks', () => {
    const readme = readFileSync(join(repoRoot, 'packages/client/README.md'), 'utf8');
    const example = /```tsx\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example?.trim()).toBe(reactConsumer.trim());
  });
});
