// The files settings of the real server process: the link secret is required in production and
// kept on disk in development; FILES_DIR is where uploads go.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServerBackends, spawnServerChild } from './server-process';
import { describe, expect, it } from 'vitest';
import { devSecretOverTwoStarts } from './dev-secret-fixture';

const backends = useServerBackends();

describe('files configuration', () => {
  it('refuses to start in production without FILES_LINK_SECRET', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, FILES_LINK_SECRET: '' });
    expect(await server.exited).toBe(1);
    const fatal = server.lines.find((line) => line.msg === 'server failed to start');
    expect(JSON.stringify(fatal)).toContain('FILES_LINK_SECRET is required in production');
  });

  it('outside production keeps one generated link secret under the data directory, and stores uploads in FILES_DIR', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chorus-files-config-'));
    try {
      const env = {
        DATABASE_URL: backends.database.url,
        REDIS_URL: backends.redis.url,
        NODE_ENV: 'development',
        FILES_LINK_SECRET: '',
        LOCAL_DATA_DIR: dataDir,
        FILES_DIR: join(dataDir, 'files'),
      };
      const starts = await devSecretOverTwoStarts(
        env,
        'FILES_LINK_SECRET unset: download links are signed with a development secret kept in the local data directory',
      );
      expect(starts.map(({ warning }) => warning)).toMatchObject([
        { level: 40, created: true },
        { level: 40, created: false },
      ]);
      const secrets = starts.map(({ contents }) => contents);
      expect(secrets[0]).toBe(secrets[1]);
      expect(secrets[0]).toMatch(/^[\w-]{43}\n$/);
      expect((await stat(join(dataDir, 'files', 'uploads'))).isDirectory()).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
