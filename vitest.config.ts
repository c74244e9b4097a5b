import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages are used from their TypeScript source, never a build: `@chorus/source` picks
// the source entry in their package.json `exports` (published builds point at dist/). The rest of
// each list is Vite's default (defaultServerConditions, defaultClientConditions), which a list
// given here replaces. Vitest runs Node tests in the `ssr` environment and passes these
// conditions to its workers' Node (`--conditions`), so modules it leaves to Node agree. The server
// side leaves out Vite's `module`: Node would then load bundler-only builds (the AWS SDK's and OpenTelemetry's
// `module` entries import files without extensions) that it cannot run.
const source = '@chorus/source';

// Test workers must trust the certificate of the HTTPS servers tests start on loopback (fake
// push services); Node reads this variable only when a process starts, so it is set here, before
// any worker exists. Global setup writes the file (packages/testing/src/test-tls.ts).
process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(new URL('.data/test/tls/cert.pem', import.meta.url));

// Files that start browsers, server processes (a MariaDB replica set included), clusters, Galera
// or Prometheus run one at a time (the `local-serial` project, after the others); the rest run two
// at a time. Test files have their own databases and Redis servers, so only work that loads the
// machine is kept apart.
const SERIAL = [
  'apps/web/test/**/*.test.ts',
  'deploy/test/**/*.test.ts',
  'apps/server/test/gapless*.int.test.ts',
  'apps/server/test/threads-gapless.int.test.ts',
  'apps/server/test/process.int.test.ts',
  'apps/server/test/metrics-process.int.test.ts',
  'apps/server/test/*-restart.int.test.ts',
  'apps/server/test/files-config.int.test.ts',
  'apps/server/test/files-s3.int.test.ts',
  'apps/server/test/tracing*.int.test.ts',
  'apps/server/test/ai-configs.int.test.ts',
  'apps/server/test/ai-key-rotation.int.test.ts',
  'apps/server/test/guest-admin.int.test.ts',
  'apps/server/test/redis-sentinel.int.test.ts',
  'apps/server/test/prometheus.int.test.ts',
  'apps/server/test/read-replica.int.test.ts',
  'apps/server/test/downloads-browser.int.test.ts',
  'packages/api/src/galera.int.test.ts',
  'packages/api/src/redis-cluster-keys.int.test.ts',
  'packages/api/src/realtime/grouped-calls.int.test.ts',
  'packages/client/test/package.int.test.ts',
  'packages/local-services/src/*.test.ts',
  'packages/runtime/src/tracing-load.test.ts',
  'packages/testing/src/browser.test.ts',
];
const LOCAL = [
  'apps/*/src/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'packages/*/src/**/*.test.ts',
  'packages/*/test/**/*.test.ts',
  'deploy/test/**/*.test.ts',
  'bench/capacity/*.test.ts',
];

export default defineConfig({
  resolve: { conditions: [source, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [source, 'node', 'development|production'] } },
  test: {
    globalSetup: ['packages/testing/src/global-setup.ts'],
    // Real servers and databases: generous hooks, but every test still has a deadline.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // `expect.poll` waits for what a server or a page does in its own time (an event, a job, a
    // re-render): vitest's 1 s default failed on a busy machine where 10 s, a browser action's
    // timeout (ACTION_TIMEOUT_MS), does not. A condition that holds returns at once either way.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // A worker runs its files one after another in one process, so the module graph (the API, the
    // drivers, the SDKs) is loaded once per worker instead of once per file: a third of the suite's
    // time went to imports. Files share nothing else: each has its own databases, Redis servers and
    // ports, and restores what it changes in the process.
    isolate: false,
    projects: [
      // Each project names its own files: a project that extends the root would add its `include`
      // to the root's, not replace it.
      {
        extends: true,
        test: { name: 'local', include: LOCAL, exclude: [...configDefaults.exclude, ...SERIAL], maxWorkers: 2 },
      },
      {
        extends: true,
        test: { name: 'local-serial', include: SERIAL, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
      // The files suites once more with files in an S3 bucket (a local S3-compatible server per
      // test file, see packages/testing/src/s3-server.ts) instead of on local disk.
      {
        extends: true,
        test: {
          name: 'files-s3',
          include: ['apps/server/test/files-*.int.test.ts'],
          exclude: ['apps/server/test/files-config.int.test.ts', 'apps/server/test/files-s3*.int.test.ts'],
          env: { CHORUS_TEST_FILES_STORAGE: 's3' },
          maxWorkers: 2,
        },
      },
      // A named subset once more on a Redis Cluster (three primaries, see packages/testing/src/redis-cluster.ts),
      // chosen so that every Redis key family is used: chat, typing and the event streams, rooms with
      // playback and drift, AI streams, slots, send claims and stop, tus upload locks taken over between
      // instances, presence, session revocation between instances, rate limits, mention notifications,
      // background job locks and the stream archive (SCAN per primary, reads across the archive and Redis).
      {
        extends: true,
        test: {
          name: 'redis-cluster',
          include: [
            'apps/server/test/chat.int.test.ts',
            'apps/server/test/rooms.int.test.ts',
            'apps/server/test/rooms-playback.int.test.ts',
            'apps/server/test/ai-stream.int.test.ts',
            'apps/server/test/files-instances.int.test.ts',
            'apps/server/test/presence.int.test.ts',
            'apps/server/test/session-cache.int.test.ts',
            'apps/server/test/auth-errors.int.test.ts',
            'apps/server/test/background-jobs.int.test.ts',
            'packages/api/src/realtime/stream-archive.int.test.ts',
            'packages/api/src/realtime/presence-status.int.test.ts',
          ],
          env: { CHORUS_TEST_REDIS: 'cluster' },
          maxWorkers: 2,
        },
      },
    ],
  },
});
