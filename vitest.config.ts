import { defineConfig } from 'vitest/config';

// Workspace packages are used from their TypeScript source, never a build: `@chorus/source` picks
// the source entry in their package.json `exports` (published builds point at dist/). The rest of
// each list is Vite's default (defaultServerConditions, defaultClientConditions), which a list
// given here replaces. Vitest runs Node tests in the `ssr` environment and passes these
// conditions to its workers' Node (`--conditions`), so modules it leaves to Node agree.
const source = '@chorus/source';

export default defineConfig({
  resolve: { conditions: [source, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [source, 'module', 'node', 'development|production'] } },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'deploy/test/**/*.test.ts'],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    // Real servers and databases: generous hooks, but every test still has a deadline.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
