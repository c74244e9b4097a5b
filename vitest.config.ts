import { defineConfig } from 'vitest/config';

// Workspace packages are used from their TypeScript source, never a build: `@chorus/source` picks
// the source entry in their package.json `exports` (published builds point at dist/). The rest of
// each list is Vite's default (defaultServerConditions, defaultClientConditions), which a list
// given here replaces. Vitest runs Node tests in the `ssr` environment and passes these
// conditions to its workers' Node (`--conditions`), so modules it leaves to Node agree.
const source = '@chorus/source';

export default defineConfig({
  resolve: { conditions: [source, 'module', 'browser', 'development|production'] },
  // No `module` for Node: it is a bundlers' condition, and packages whose `module` build is not
  // valid Node ESM (OpenTelemetry's imports omit file extensions) fail to load under it. Node in
  // production never uses it either.
  ssr: { resolve: { conditions: [source, 'node', 'development|production'] } },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    // Real servers and databases: generous hooks, but every test still has a deadline.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
