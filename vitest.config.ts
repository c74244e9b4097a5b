import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    // Real servers and databases: generous hooks, but every test still has a deadline.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
